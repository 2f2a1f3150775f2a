// `evs-export`: start, inspect, follow, approve and abort exports. One subcommand per operation; every
// definition comes from workflows/api.ts. Exit codes: 0 success, 1 the run or the call failed, 2 bad input.
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readPlan, UnknownVolumeError } from './activities/plan';
import { progressChanges, formatPlan, formatResult } from './cli/format';
import { createCloudClient, loadCloudConfig } from './cloud';
import { loadTemporalSettings, type TemporalSettings } from './config';
import { ExportAlreadyRunningError, followExport, startExport } from './export-client';
import { ensureSearchAttributes } from './search-attributes';
import type { exportServerDisks } from './workflows';
import {
  approveUpdate,
  EXPORT_SERVER_WORKFLOW_TYPE,
  SCHEDULED_EXPORT_WORKFLOW_TYPE,
  type ExportDiskInput,
  type ExportProgress,
  exportServerWorkflowId,
  holdQuery,
  holdWorkflowId,
  progressQuery,
  type ScheduledExportInput,
} from './workflows/api';
import { expandImageName } from './workflows/image-name';
import { CONTAINER_FORMATS, DISK_FORMATS, OS_TYPES, STOP_TYPES } from './formats';
import { InputError, validateExportInput, validateServerExportInput } from './workflows/validate';

class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected milliseconds, got ${JSON.stringify(value)}`);
  return n;
}

async function withClient<T>(fn: (client: Client, t: TemporalSettings, connection: Connection) => Promise<T>): Promise<T> {
  const t = loadTemporalSettings();
  const connection = await Connection.connect(t.connectionOptions);
  try {
    return await fn(new Client({ connection, namespace: t.namespace }), t, connection);
  } finally {
    await connection.close();
  }
}

function out(json: boolean, data: unknown, human: string): void {
  console.log(json ? JSON.stringify(data, null, 2) : human);
}

function printer(json: boolean): (p: ExportProgress) => void {
  let prev: ExportProgress | undefined;
  return (p) => {
    if (json) console.log(JSON.stringify({ progress: p }));
    else for (const line of progressChanges(prev, p)) console.log(line);
    prev = p;
  };
}

function failureText(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause as (Error & { type?: string }) | undefined;
    return `export failed${cause?.type ? ` (${cause.type})` : ''}: ${cause?.message ?? err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

async function awaitRun(handle: Parameters<typeof followExport>[0], json: boolean): Promise<void> {
  try {
    const result = await followExport(handle, printer(json));
    out(json, { result }, formatResult(result));
  } catch (err) {
    if (json) console.log(JSON.stringify({ error: failureText(err) }));
    throw new ExitError(failureText(err), 1);
  }
}

const program = new Command('evs-export')
  .description('Export an EVS disk into a private image on Temporal: stops every attached server, exports once, restarts what it stopped.')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nTemporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, temporal.toml profiles; task queue TEMPORAL_TASK_QUEUE.\nCloud (inspect): OS_CLOUD + clouds.yaml, or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME, OS_PROJECT_ID|OS_PROJECT_NAME, OS_REGION_NAME.',
  );

program
  .command('export')
  .description('start an export of a disk (workflow id export-<volumeId>)')
  .requiredOption('--volume <id>', 'disk (volume) id')
  .requiredOption('--image-name <name>', 'name of the image to create')
  .addOption(new Option('--disk-format <format>', 'image disk format (default zvhd2)').choices(DISK_FORMATS))
  .addOption(new Option('--container-format <format>', 'image container format (default bare)').choices(CONTAINER_FORMATS))
  .addOption(new Option('--os-type <type>', 'OS type, sent as __os_type').choices(OS_TYPES))
  .addOption(new Option('--stop-type <type>', 'how to stop running servers (default SOFT)').choices(STOP_TYPES))
  .option('--require-approval', 'wait for `evs-export approve` after the plan')
  .option('--leave-stopped', 'leave the stopped servers stopped afterwards')
  .option('--tag <tag...>', 'image tags to add on success')
  .option('--stop-deadline <ms>', 'deadline for stopping the servers', milliseconds)
  .option('--upload-deadline <ms>', 'deadline for the upload and image', milliseconds)
  .option('--start-deadline <ms>', 'deadline for restarting each server', milliseconds)
  .option('--attach', 'if an export of this disk is already running, follow it instead of refusing')
  .option('--wait', 'follow the run until it ends, printing each phase')
  .option('--json', 'machine-readable output')
  .action(async (o) => {
    const deadlines = { stopMs: o.stopDeadline, uploadMs: o.uploadDeadline, startMs: o.startDeadline };
    const input: ExportDiskInput = {
      volumeId: o.volume,
      imageName: o.imageName,
      diskFormat: o.diskFormat,
      containerFormat: o.containerFormat,
      osType: o.osType,
      stopType: o.stopType,
      requireApproval: o.requireApproval,
      leaveServersStopped: o.leaveStopped,
      tags: o.tag,
      deadlines: Object.values(deadlines).some((v) => v !== undefined) ? JSON.parse(JSON.stringify(deadlines)) : undefined,
    };
    await withClient(async (client, t) => {
      const handle = await startExport(client, t.taskQueue, JSON.parse(JSON.stringify(input)), { attach: o.attach });
      out(o.json && !o.wait, { workflowId: handle.workflowId, runId: handle.firstExecutionRunId }, `started ${handle.workflowId}`);
      if (o.wait) await awaitRun(handle, o.json);
      else if (!o.json) console.log(`follow it with: evs-export status ${handle.workflowId} --follow`);
    });
  });

program
  .command('export-server')
  .description('export every disk of a server as one consistent set (workflow id export-server-<serverId>)')
  .requiredOption('--server <id>', 'server id')
  .option('--prefix <name>', 'images are named <prefix>-<device>; default: the server name')
  .addOption(new Option('--disk-format <format>', 'image disk format (default zvhd2)').choices(DISK_FORMATS))
  .addOption(new Option('--stop-type <type>', 'how to stop running servers (default SOFT)').choices(STOP_TYPES))
  .option('--tag <tag...>', 'image tags to add on success (besides the set tag)')
  .option('--wait', 'wait for the result')
  .option('--json', 'machine-readable output')
  .action(async (o) => {
    const input = JSON.parse(JSON.stringify({ serverId: o.server, imageNamePrefix: o.prefix, diskFormat: o.diskFormat, stopType: o.stopType, tags: o.tag }));
    validateServerExportInput(input);
    await withClient(async (client, t) => {
      const handle = await client.workflow.start<typeof exportServerDisks>(EXPORT_SERVER_WORKFLOW_TYPE, {
        taskQueue: t.taskQueue,
        workflowId: exportServerWorkflowId(o.server),
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `Export every disk of server ${o.server}`,
      });
      out(o.json && !o.wait, { workflowId: handle.workflowId }, `started ${handle.workflowId}`);
      if (!o.wait) return;
      try {
        const r = await handle.result();
        out(o.json, { result: r }, [`set tag  ${r.setTag}`, ...r.images.map((i) => `image    ${i.imageName} (${i.imageId}) ${i.imageStatus} from ${i.device ?? i.volumeId}`), ...r.servers.map((s) => `server   ${s.name}: ${s.state}${s.downtimeMs !== undefined ? `, downtime ${(s.downtimeMs / 1000).toFixed(1)} s` : ''}`)].join('\n'));
      } catch (err) {
        throw new ExitError(failureText(err), 1);
      }
    });
  });

const schedule = program.command('schedule').description('golden-image builds: Temporal Schedules that export a disk through the per-disk identity');

schedule
  .command('create')
  .description('create a schedule running scheduledExport (a child export-<volumeId>; skipped while one runs)')
  .requiredOption('--id <scheduleId>', 'schedule id')
  .requiredOption('--volume <id>', 'disk (volume) id')
  .requiredOption('--image-name <template>', 'image name; {date} and {time} are replaced with the scheduled time (UTC)')
  .option('--cron <expression>', 'cron expression, e.g. "0 2 * * *"')
  .option('--every <interval>', 'interval, e.g. "24h" or "7d"')
  .option('--tag <tag...>', 'image tags')
  .option('--trigger', 'also run it once now')
  .action(async (o) => {
    if (!o.cron === !o.every) throw new ExitError('give exactly one of --cron or --every', 2);
    const input: ScheduledExportInput = { export: JSON.parse(JSON.stringify({ volumeId: o.volume, imageName: o.imageName, tags: o.tag })), ifRunning: 'skip' };
    // Validate with the template expanded as it will be.
    validateExportInput({ ...input.export, imageName: expandImageName(o.imageName, new Date()) });
    await withClient(async (client, t) => {
      await client.schedule.create({
        scheduleId: o.id,
        spec: o.cron ? { cronExpressions: [o.cron] } : { intervals: [{ every: o.every }] },
        action: { type: 'startWorkflow', workflowType: SCHEDULED_EXPORT_WORKFLOW_TYPE, args: [input], taskQueue: t.taskQueue, staticSummary: `Scheduled export of disk ${o.volume}` },
        policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
        state: { triggerImmediately: !!o.trigger },
      });
      console.log(`created schedule ${o.id}`);
    });
  });

schedule
  .command('delete')
  .argument('<scheduleId>')
  .action(async (id: string) => {
    await withClient(async (client) => {
      await client.schedule.getHandle(id).delete();
      console.log(`deleted schedule ${id}`);
    });
  });

program
  .command('holds')
  .description('show who holds a server stopped, since when, and its state')
  .argument('<serverId>')
  .option('--json', 'machine-readable output')
  .action(async (serverId: string, o) => {
    await withClient(async (client) => {
      const view = await client.workflow
        .getHandle(holdWorkflowId(serverId))
        .query(holdQuery)
        .catch(() => undefined);
      if (!view) return out(o.json, { serverId, holders: [] }, `server ${serverId}: not held by any export`);
      out(o.json, view, [
        `server ${serverId}: ${view.status}${view.prior ? `, was ${view.prior} before the first holder` : ''}`,
        ...view.holders.map((h) => `  held by ${h.workflowId} (run ${h.runId}) since ${h.since}`),
        ...view.attention.map((a) => `  ATTENTION ${a}`),
      ].join('\n'));
    });
  });

program
  .command('inspect')
  .description('show the plan for a disk (servers, states, what would be stopped) without changing anything')
  .requiredOption('--volume <id>', 'disk (volume) id')
  .option('--json', 'machine-readable output')
  .action(async (o) => {
    const cloud = createCloudClient(loadCloudConfig());
    try {
      const { plan, problems } = await readPlan(cloud, { volumeId: o.volume });
      out(o.json, { plan, problems, exportable: problems.length === 0 }, formatPlan(plan, problems));
      if (problems.length > 0) process.exitCode = 1;
    } catch (err) {
      if (err instanceof UnknownVolumeError) throw new ExitError(err.message, 2);
      throw err;
    } finally {
      await cloud.close();
    }
  });

program
  .command('status')
  .description('show the phase, servers and outcome of an export')
  .argument('<workflowId>', 'e.g. export-<volumeId>')
  .option('--follow', 'keep printing until the run ends')
  .option('--json', 'machine-readable output')
  .action(async (workflowId: string, o) => {
    await withClient(async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      if (o.follow) return awaitRun(handle, o.json);
      const d = await handle.describe();
      const progress = await handle.query(progressQuery).catch(() => undefined);
      out(o.json, { workflowId, runId: d.runId, status: d.status.name, progress }, [
        `${workflowId} ${d.status.name}`,
        ...(progress ? progressChanges(undefined, progress) : ['(no worker answered the progress query)']),
      ].join('\n'));
      if (d.status.name === 'FAILED') {
        await handle.result().catch((err) => console.log(failureText(err)));
        process.exitCode = 1;
      }
    });
  });

program
  .command('approve')
  .description('approve the plan of an export started with --require-approval')
  .argument('<workflowId>')
  .option('--by <name>', 'who approves', process.env.USER)
  .action(async (workflowId: string, o) => {
    await withClient(async (client) => {
      await client.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [{ by: o.by }] });
      console.log(`approved ${workflowId}`);
    });
  });

program
  .command('abort')
  .description('cancel an export: servers it stopped are restarted once the disk has left "uploading"')
  .argument('<workflowId>')
  .option('--wait', 'follow the compensation until the run ends')
  .action(async (workflowId: string, o) => {
    await withClient(async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      await handle.cancel();
      console.log(`cancel requested for ${workflowId}`);
      if (o.wait) {
        await awaitRun(handle, false).catch((err: ExitError) => console.log(err.message));
      }
    });
  });

program
  .command('setup')
  .description("register this project's search attributes on the namespace (once per cluster)")
  .action(async () => {
    await withClient(async (_client, t, connection) => {
      const added = await ensureSearchAttributes(connection, t.namespace);
      console.log(added.length ? `registered: ${added.join(', ')}` : 'search attributes already registered');
    });
  });

export async function main(argv = process.argv): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = err instanceof ExitError ? err.code : err instanceof InputError ? 2 : err instanceof ExportAlreadyRunningError ? 1 : 1;
    console.error(`evs-export: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = code;
  }
}

if (require.main === module) void main();
