// `evs-export export` (one disk, workflow export-<volumeId>) and `export-server` (every disk of a server as one
// set, workflow export-server-<serverId>).
import { type Command, Option } from 'commander';
import { startExport } from '../export-client';
import { CONTAINER_FORMATS, DISK_FORMATS, OS_TYPES, STOP_TYPES, STRATEGIES } from '../formats';
import type { exportServerDisks } from '../workflows';
import {
  type ContainerFormat,
  type DiskFormat,
  EXPORT_SERVER_WORKFLOW_TYPE,
  type ExportDiskInput,
  exportServerWorkflowId,
  type ExportServerInput,
  type OsType,
  type StopType,
  type Strategy,
} from '../workflows/api';
import { validateExportInput, validateServerExportInput } from '../workflows/validate';
import { refuseUnknown, serverExists, volumeExists } from './cloud';
import { defined, ExitError, failureText, milliseconds, out, withClient } from './common';
import { awaitRun, diskExport } from './follow';
import { formatServerResult } from './format';

export function registerExportCommands(program: Command): void {
  program
    .command('export')
    .description('start an export of a disk (workflow id export-<volumeId>)')
    .requiredOption('--volume <id>', 'disk (volume) id')
    .requiredOption('--image-name <name>', 'name of the image to create')
    .addOption(new Option('--disk-format <format>', 'image disk format (default zvhd2)').choices(DISK_FORMATS))
    .addOption(new Option('--container-format <format>', 'image container format (default bare)').choices(CONTAINER_FORMATS))
    .addOption(new Option('--os-type <type>', 'OS type, sent as __os_type').choices(OS_TYPES))
    .addOption(new Option('--stop-type <type>', 'how to stop running servers (default SOFT)').choices(STOP_TYPES))
    .addOption(strategyOption())
    .option('--no-stop', 'snapshot strategy: touch no server (a crash-consistent image, as after a power cut)')
    .option('--require-approval', 'wait for `evs-export approve` after the plan')
    .option('--leave-stopped', 'leave the stopped servers stopped afterwards')
    .option('--tag <tag...>', 'image tags to add on success')
    .option('--stop-deadline <ms>', 'deadline for stopping the servers', milliseconds)
    .option('--upload-deadline <ms>', 'deadline for the upload and image', milliseconds)
    .option('--start-deadline <ms>', 'deadline for restarting each server', milliseconds)
    .option('--snapshot-deadline <ms>', 'snapshot strategy: deadline for the snapshot', milliseconds)
    .option('--copy-deadline <ms>', 'snapshot strategy: deadline for the temporary disk', milliseconds)
    .option('--attach', 'if an export of this disk is already running, follow it instead of refusing')
    .option('--wait', 'follow the run until it ends, printing each phase')
    .option('--json', 'machine-readable output')
    .action(exportDisk);

  program
    .command('export-server')
    .description('export every disk of a server as one consistent set (workflow id export-server-<serverId>)')
    .requiredOption('--server <id>', 'server id')
    .option('--prefix <name>', 'images are named <prefix>-<device>; default: the server name')
    .addOption(new Option('--disk-format <format>', 'image disk format (default zvhd2)').choices(DISK_FORMATS))
    .addOption(new Option('--stop-type <type>', 'how to stop running servers (default SOFT)').choices(STOP_TYPES))
    .addOption(strategyOption())
    .option('--no-stop', 'snapshot strategy: touch no server (crash-consistent images)')
    .option('--tag <tag...>', 'image tags to add on success (besides the set tag)')
    .option('--wait', 'wait for the result')
    .option('--json', 'machine-readable output')
    .action(exportServer);
}

function strategyOption(): Option {
  return new Option(
    '--strategy <strategy>',
    'direct (default): servers stay stopped for the upload; snapshot: only while a snapshot is taken',
  ).choices(STRATEGIES);
}

interface Output {
  wait?: boolean;
  json?: boolean;
}

interface ExportOptions extends Output {
  volume: string;
  imageName: string;
  diskFormat?: DiskFormat;
  containerFormat?: ContainerFormat;
  osType?: OsType;
  stopType?: StopType;
  requireApproval?: boolean;
  leaveStopped?: boolean;
  tag?: string[];
  stopDeadline?: number;
  uploadDeadline?: number;
  startDeadline?: number;
  snapshotDeadline?: number;
  copyDeadline?: number;
  attach?: boolean;
  strategy?: Strategy;
  /** commander's `--no-stop`: false when given. */
  stop?: boolean;
}

interface ExportServerOptions extends Output {
  server: string;
  prefix?: string;
  diskFormat?: DiskFormat;
  stopType?: StopType;
  tag?: string[];
  strategy?: Strategy;
  stop?: boolean;
}

/** The workflow input, without the options not given (startExport validates it). */
function exportInput(o: ExportOptions): ExportDiskInput {
  const deadlines = {
    stopMs: o.stopDeadline,
    uploadMs: o.uploadDeadline,
    startMs: o.startDeadline,
    snapshotMs: o.snapshotDeadline,
    copyMs: o.copyDeadline,
  };
  return defined({
    volumeId: o.volume,
    imageName: o.imageName,
    diskFormat: o.diskFormat,
    containerFormat: o.containerFormat,
    osType: o.osType,
    stopType: o.stopType,
    requireApproval: o.requireApproval,
    leaveServersStopped: o.leaveStopped,
    tags: o.tag,
    strategy: o.strategy,
    stopServers: o.stop === false ? false : undefined,
    deadlines: Object.values(deadlines).some((v) => v !== undefined) ? deadlines : undefined,
  });
}

async function exportDisk(o: ExportOptions): Promise<void> {
  // Every check before anything starts: the input's rules, then (with cloud settings) that the disk exists.
  const input = validateExportInput(exportInput(o));
  await refuseUnknown(volumeExists(input.volumeId));
  await withClient(async (client, t) => {
    const handle = await startExport(client, t.taskQueue, input, { attach: o.attach });
    out(!!o.json && !o.wait, { workflowId: handle.workflowId, runId: handle.firstExecutionRunId }, `started ${handle.workflowId}`);
    if (o.wait) await awaitRun(handle, diskExport, !!o.json);
    else if (!o.json) console.log(`follow it with: evs-export status ${handle.workflowId} --follow`);
  });
}

async function exportServer(o: ExportServerOptions): Promise<void> {
  const { server: serverId, prefix: imageNamePrefix, diskFormat, stopType, tag: tags, strategy } = o;
  const stopServers = o.stop === false ? false : undefined;
  const input: ExportServerInput = defined({ serverId, imageNamePrefix, diskFormat, stopType, tags, strategy, stopServers });
  validateServerExportInput(input);
  await refuseUnknown(serverExists(serverId));
  await withClient(async (client, t) => {
    const handle = await client.workflow.start<typeof exportServerDisks>(EXPORT_SERVER_WORKFLOW_TYPE, {
      taskQueue: t.taskQueue,
      workflowId: exportServerWorkflowId(o.server),
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `Export every disk of server ${o.server}`,
    });
    out(!!o.json && !o.wait, { workflowId: handle.workflowId }, `started ${handle.workflowId}`);
    if (!o.wait) {
      if (!o.json) console.log(`follow it with: evs-export status ${handle.workflowId} --follow`);
      return;
    }
    try {
      const r = await handle.result();
      out(!!o.json, { result: r }, formatServerResult(r));
    } catch (err) {
      throw new ExitError(failureText(err), 1);
    }
  });
}
