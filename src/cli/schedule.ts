// `evs-export schedule create|delete`: golden-image builds, as Temporal Schedules running `scheduledExport`.
import { type Command, Option } from 'commander';
import { STRATEGIES } from '../formats';
import { SCHEDULED_EXPORT_WORKFLOW_TYPE, type ScheduledExportInput, type Strategy } from '../workflows/api';
import { expandImageName } from '../workflows/image-name';
import { validateExportInput } from '../workflows/validate';
import { defined, ExitError, withClient } from './common';

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('golden-image builds: Temporal Schedules that export a disk through the per-disk identity');

  schedule
    .command('create')
    .description('create a schedule running scheduledExport (a child export-<volumeId>; skipped while one runs)')
    .requiredOption('--id <scheduleId>', 'schedule id')
    .requiredOption('--volume <id>', 'disk (volume) id')
    .requiredOption('--image-name <template>', 'image name; {date} and {time} are replaced with the scheduled time (UTC)')
    .option('--cron <expression>', 'cron expression, e.g. "0 2 * * *"')
    .option('--every <interval>', 'interval, e.g. "24h" or "7d"')
    .option('--tag <tag...>', 'image tags')
    .addOption(
      new Option('--strategy <strategy>', 'direct (default) or snapshot: servers down only while a snapshot is taken').choices(STRATEGIES),
    )
    .option('--trigger', 'also run it once now')
    .action(createSchedule);

  schedule
    .command('delete')
    .argument('<scheduleId>')
    .action(async (id: string) => {
      await withClient(async (client) => {
        await client.schedule.getHandle(id).delete();
        console.log(`deleted schedule ${id}`);
      });
    });
}

interface CreateOptions {
  id: string;
  volume: string;
  imageName: string;
  cron?: string;
  every?: string;
  tag?: string[];
  strategy?: Strategy;
  trigger?: boolean;
}

async function createSchedule(o: CreateOptions): Promise<void> {
  if (!o.cron === !o.every) throw new ExitError('give exactly one of --cron or --every', 2);
  const input: ScheduledExportInput = {
    export: defined({ volumeId: o.volume, imageName: o.imageName, tags: o.tag, strategy: o.strategy }),
    ifRunning: 'skip',
  };
  // Validate with the template expanded as it will be.
  validateExportInput({ ...input.export, imageName: expandImageName(o.imageName, new Date()) });
  await withClient(async (client, t) => {
    await client.schedule.create({
      scheduleId: o.id,
      spec: o.cron ? { cronExpressions: [o.cron] } : { intervals: [{ every: o.every! }] },
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_EXPORT_WORKFLOW_TYPE,
        args: [input],
        taskQueue: t.taskQueue,
        staticSummary: `Scheduled export of disk ${o.volume}`,
      },
      policies: { overlap: 'SKIP', catchupWindow: '1 hour' },
      state: { triggerImmediately: !!o.trigger },
    });
    console.log(`created schedule ${o.id}`);
  });
}
