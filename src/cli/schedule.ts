// `evs-export schedule …`: golden-image builds as Temporal Schedules running `scheduledExport` — create (every
// setting checked before anything is created), list, describe (recent builds with their outcome), pause,
// unpause, trigger, backfill, delete. The schedule's memo carries its settings, so `describe` shows them.
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { type Command, InvalidArgumentError } from 'commander';
import { ExitError, out, withClient } from './common';
import { createSchedule, registerCreateOptions } from './schedule-create';
import { describeSchedule, formatDescription, listSchedules } from './schedule-view';

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('golden-image builds: Temporal Schedules that export a disk through the per-disk identity');
  registerCreateOptions(schedule.command('create')).action(createSchedule);

  schedule
    .command('list')
    .description('the schedules of golden-image builds')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      await withClient(async (client) => {
        const all = await listSchedules(client);
        out(
          !!o.json,
          all,
          all
            .map((s) => `${s.id}  ${s.paused ? 'paused ' : 'active '} ${s.settings?.volumeId ?? ''}  ${s.settings?.nameTemplate ?? ''}`)
            .join('\n') || 'no schedules',
        );
      });
    });

  schedule
    .command('describe')
    .argument('<scheduleId>')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => {
      await onSchedule(id, async (client) => {
        const d = await describeSchedule(client, id);
        out(!!o.json, d, formatDescription(d));
      });
    });

  const simple: [string, string, (client: Client, id: string, o: Record<string, string>) => Promise<string>][] = [
    ['pause', 'pause the schedule', async (c, id, o) => (await c.schedule.getHandle(id).pause(o.note), `paused schedule ${id}`)],
    ['unpause', 'resume the schedule', async (c, id, o) => (await c.schedule.getHandle(id).unpause(o.note), `unpaused schedule ${id}`)],
    ['trigger', 'run one build now', async (c, id) => (await c.schedule.getHandle(id).trigger('SKIP'), `triggered schedule ${id}`)],
    [
      'delete',
      'delete the schedule (its images stay)',
      async (c, id) => (await c.schedule.getHandle(id).delete(), `deleted schedule ${id}`),
    ],
  ];
  for (const [name, description, act] of simple) {
    schedule
      .command(name)
      .description(description)
      .argument('<scheduleId>')
      .option('--note <text>', 'why (pause, unpause)')
      .option('--json', 'machine-readable output')
      .action(async (id: string, o: Record<string, string> & { json?: boolean }) => {
        await onSchedule(id, async (client) => {
          const said = await act(client, id, o);
          out(!!o.json, { scheduleId: id, done: name }, said);
        });
      });
  }

  schedule
    .command('backfill')
    .description('run the builds the schedule would have run between two times (each renders its own time)')
    .argument('<scheduleId>')
    .requiredOption('--start <time>', 'ISO time, e.g. 2026-12-01T00:00:00Z', isoTime)
    .requiredOption('--end <time>', 'ISO time', isoTime)
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { start: Date; end: Date; json?: boolean }) => {
      if (o.end <= o.start) throw new ExitError('--end: must be after --start', 2);
      await onSchedule(id, async (client) => {
        await client.schedule.getHandle(id).backfill({ start: o.start, end: o.end, overlap: 'ALLOW_ALL' });
        out(
          !!o.json,
          { scheduleId: id, done: 'backfill' },
          `backfilled schedule ${id} from ${o.start.toISOString()} to ${o.end.toISOString()}`,
        );
      });
    });
}

function isoTime(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`expected an ISO time, got ${JSON.stringify(value)}`);
  return d;
}

/** Runs `fn`; an unknown schedule id is said as such (exit 1), not as the server's words. */
async function onSchedule(id: string, fn: (client: Client) => Promise<void>): Promise<void> {
  await withClient(async (client) => {
    try {
      await fn(client);
    } catch (err) {
      // A schedule deleted a moment ago can still answer "workflow execution already completed".
      if (err instanceof ScheduleNotFoundError || /not found|already completed/i.test((err as Error)?.message ?? ''))
        throw new ExitError(`no schedule ${JSON.stringify(id)} exists; list them with: evs-export schedule list`, 1);
      throw err;
    }
  });
}
