// `evs-export schedule create`: every setting is checked before anything is created — the id, `--keep`, the disk
// (read from the cloud), the name template (rendered with this disk and the next scheduled time, and shown), and
// the calendar (a schedule that would never run is refused). Bad input exits 2 naming the flag.
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { createCloudClient, loadCloudConfig } from '../cloud';
import { isStatus } from '../cloud/errors';
import { STRATEGIES } from '../formats';
import { SCHEDULED_EXPORT_WORKFLOW_TYPE, type ScheduledExportInput, type Strategy } from '../workflows/api';
import { renderTemplate, TemplateError, type TemplateValues } from '../workflows/name-template';
import { InputError, validateExportInput, validateServerExportInput } from '../workflows/validate';
import { serverExists, unknownIdText, volumeExists } from './cloud';
import { defined, ExitError, out, withClient } from './common';

export interface CreateOptions {
  id: string;
  volume?: string;
  server?: string;
  nameTemplate: string;
  cron?: string;
  every?: string;
  keep?: number;
  dryRun?: boolean;
  strategy?: Strategy;
  tag?: string[];
  pauseOnFailure?: boolean;
  trigger?: boolean;
  json?: boolean;
}

/** What `describe` shows of a schedule: kept in its memo. */
export interface ScheduleSettings {
  volumeId?: string;
  serverId?: string;
  nameTemplate: string;
  keep?: number;
  dryRun?: boolean;
  strategy?: Strategy;
  tags?: string[];
  pauseOnFailure?: boolean;
}

const SCHEDULE_ID = /^[A-Za-z0-9_-]{1,64}$/;

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}

export function registerCreateOptions(c: Command): Command {
  return c
    .description('create a golden-image schedule running scheduledExport (a child export-<volumeId>; skipped while one runs)')
    .requiredOption('--id <scheduleId>', 'schedule id (letters, digits, "-", "_"; it is part of the lineage tag)')
    .option('--volume <id>', 'disk (volume) id: one image per build')
    .option('--server <id>', 'server id: every disk of the server per build, named <template>-<device>')
    .requiredOption(
      '--name-template <template>',
      'image name: {volumeName} {volumeId8} {serverName} {device} {scheduleId} {date} {time} {yyyyMMdd-HHmm}',
    )
    .option('--cron <expression>', 'cron expression, e.g. "0 2 * * *" (UTC)')
    .option('--every <interval>', 'interval, e.g. "24h" or "7d"')
    .option('--keep <n>', 'retention: keep the newest N images of this lineage, delete older unused ones', positive)
    .option('--dry-run', 'retention only reports what it would delete')
    .addOption(new Option('--strategy <strategy>', 'direct (default) or snapshot').choices(STRATEGIES))
    .option('--tag <tag...>', 'image tags, besides the lineage tags')
    .option('--pause-on-failure', 'pause the schedule after a failed build')
    .option('--trigger', 'also run one build now')
    .option('--json', 'machine-readable output');
}

export async function createSchedule(o: CreateOptions): Promise<void> {
  if (!o.cron === !o.every) throw new ExitError('--cron, --every: give exactly one', 2);
  if (!o.volume === !o.server) throw new ExitError('--volume, --server: give exactly one', 2);
  if (!SCHEDULE_ID.test(o.id)) throw new ExitError(`--id: letters, digits, "-" and "_", at most 64 (got ${JSON.stringify(o.id)})`, 2);
  const values = await readSource(o);
  const example = checkTemplate(o, values);
  const settings: ScheduleSettings = defined({
    volumeId: o.volume,
    serverId: o.server,
    nameTemplate: o.nameTemplate,
    keep: o.keep,
    dryRun: o.dryRun,
    strategy: o.strategy,
    tags: o.tag,
    pauseOnFailure: o.pauseOnFailure,
  });
  const input: ScheduledExportInput = defined({
    ...(o.server
      ? { serverExport: { serverId: o.server, imageNamePrefix: o.nameTemplate, tags: o.tag, strategy: o.strategy } }
      : { export: { volumeId: o.volume!, imageName: o.nameTemplate, tags: o.tag, strategy: o.strategy } }),
    ifRunning: 'skip' as const,
    scheduleId: o.id,
    keep: o.keep,
    dryRun: o.dryRun,
    pauseOnFailure: o.pauseOnFailure,
  });
  await withClient(async (client, t) => {
    if (await exists(client, o.id)) throw new ExitError(`--id: a schedule ${JSON.stringify(o.id)} exists already`, 2);
    const handle = await client.schedule.create({
      scheduleId: o.id,
      spec: o.cron ? { cronExpressions: [o.cron] } : { intervals: [{ every: o.every! }] },
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_EXPORT_WORKFLOW_TYPE,
        args: [input],
        taskQueue: t.taskQueue,
        staticSummary: `Golden image of ${o.server ? `server ${o.server}` : `disk ${o.volume}`}: ${o.nameTemplate}`,
      },
      // A build that would overlap the previous one is skipped; missed ones are caught up within an hour.
      policies: { overlap: 'SKIP', catchupWindow: '1 hour', pauseOnFailure: false },
      memo: { settings },
      state: { paused: true, note: 'checking that it will run' },
    });
    // A calendar that never fires (30 February) is accepted by the server: refuse it before it is live.
    const next = (await handle.describe()).info.nextActionTimes;
    if (next.length === 0) {
      await handle.delete();
      throw new ExitError(`--cron: ${JSON.stringify(o.cron ?? o.every)} never fires`, 2);
    }
    await handle.unpause('created');
    if (o.trigger) await handle.trigger('SKIP');
    out(
      !!o.json,
      { scheduleId: o.id, settings, exampleName: example, nextActionTimes: next },
      `created schedule ${o.id}; the next image will be named like ${example}${o.server ? '-<device>' : ''}`,
    );
  });
}

async function exists(client: Client, id: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** The template values, read from the cloud (OS_* settings): a disk or server that does not exist is refused now. */
async function readSource(o: CreateOptions): Promise<TemplateValues> {
  return o.server ? readServer(o.server) : readDisk(o.volume!);
}

async function readServer(serverId: string): Promise<TemplateValues> {
  const cloud = createCloudClient(loadCloudConfig());
  try {
    return { serverName: (await cloud.ecs.getServer(serverId)).name };
  } catch (err) {
    if (isStatus(err, 404)) throw new ExitError(unknownIdText(serverExists(serverId)), 2);
    throw err;
  } finally {
    await cloud.close();
  }
}

async function readDisk(volumeId: string): Promise<TemplateValues> {
  const cloud = createCloudClient(loadCloudConfig());
  try {
    const v = await cloud.evs.getVolume(volumeId);
    const first = v.attachments[0];
    const server = first ? await cloud.ecs.getServer(first.serverId) : undefined;
    return { volumeName: v.name, volumeId: v.id, serverName: server?.name, device: first?.device ?? undefined };
  } catch (err) {
    if (isStatus(err, 404)) throw new ExitError(unknownIdText(volumeExists(volumeId)), 2);
    throw err;
  } finally {
    await cloud.close();
  }
}

/** Renders the template as a build tonight would, and checks the name against the image-name rules. */
function checkTemplate(o: CreateOptions, values: TemplateValues): string {
  let name: string;
  try {
    name = renderTemplate(o.nameTemplate, { ...values, scheduleId: o.id }, new Date());
  } catch (err) {
    if (err instanceof TemplateError) throw new ExitError(`--name-template: ${err.message}`, 2);
    throw err;
  }
  try {
    if (o.server) validateServerExportInput({ serverId: o.server, imageNamePrefix: name, tags: o.tag, strategy: o.strategy });
    else validateExportInput({ volumeId: o.volume, imageName: name, tags: o.tag, strategy: o.strategy });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    if (err.field !== 'imageName' && err.field !== 'imageNamePrefix')
      throw new ExitError(`--${err.field.startsWith('tags') ? 'tag' : err.field}: ${err.message}`, 2);
    throw new ExitError(`--name-template: renders as ${JSON.stringify(name)}, which breaks a rule: ${err.message}`, 2);
  }
  return name;
}
