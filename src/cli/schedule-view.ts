// What `schedule list` and `schedule describe` show: each schedule's settings (from its memo), state and next
// runs, and its recent builds with their outcome — the image, what retention did, or the failure type.
import { type Client, WorkflowFailedError } from '@temporalio/client';
import type { ScheduledExportResult } from '../workflows/api';
import type { ScheduleSettings } from './schedule-create';

export interface ScheduleSummary {
  id: string;
  paused: boolean;
  note?: string;
  settings?: ScheduleSettings;
  nextActionTimes: string[];
}

export interface BuildOutcome {
  workflowId: string;
  scheduledAt: string;
  status: string;
  imageName?: string;
  imageId?: string;
  retention?: { kept: number; deleted: string[]; skipped: { imageId: string; reason: string }[]; dryRun: boolean };
  skipped?: string;
  failureType?: string;
  error?: string;
}

export interface ScheduleDescription extends ScheduleSummary {
  recentBuilds: BuildOutcome[];
}

export async function listSchedules(client: Client): Promise<ScheduleSummary[]> {
  const out: ScheduleSummary[] = [];
  for await (const s of client.schedule.list()) {
    out.push({
      id: s.scheduleId,
      paused: s.state.paused,
      note: s.state.note,
      settings: (s.memo?.settings as ScheduleSettings | undefined) ?? undefined,
      nextActionTimes: s.info.nextActionTimes.map((t) => t.toISOString()),
    });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export async function describeSchedule(client: Client, id: string): Promise<ScheduleDescription> {
  const d = await client.schedule.getHandle(id).describe();
  const recentBuilds = await Promise.all(
    d.info.recentActions.map(async (a) => {
      const { workflowId, firstExecutionRunId } = a.action.workflow;
      return { ...(await outcomeOf(client, workflowId, firstExecutionRunId)), scheduledAt: a.scheduledAt.toISOString() };
    }),
  );
  return {
    id,
    paused: d.state.paused,
    note: d.state.note,
    settings: d.memo?.settings as ScheduleSettings | undefined,
    nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentBuilds,
  };
}

async function outcomeOf(client: Client, workflowId: string, runId: string): Promise<Omit<BuildOutcome, 'scheduledAt'>> {
  const handle = client.workflow.getHandle(workflowId, runId);
  const status = (await handle.describe()).status.name;
  if (status === 'RUNNING') return { workflowId, status };
  try {
    const r = (await handle.result()) as ScheduledExportResult;
    if (r.skipped) return { workflowId, status, skipped: `an export of the disk was running: ${r.runningWorkflowId}` };
    const ret = r.retention;
    const made = r.result ? [r.result.imageId] : r.serverResult.images.map((i) => i.imageId);
    return {
      workflowId,
      status,
      imageName: r.imageName ?? r.result?.imageName,
      imageId: made.join(', '),
      ...(ret ? { retention: { kept: ret.kept.length, deleted: ret.deleted, skipped: ret.skipped, dryRun: ret.dryRun } } : {}),
    };
  } catch (err) {
    // The build's failure is its child export's: the first cause that carries a type says what happened.
    let cause = err instanceof WorkflowFailedError ? (err.cause as (Error & { type?: string; cause?: unknown }) | undefined) : undefined;
    while (cause && !cause.type && cause.cause instanceof Error) cause = cause.cause as Error & { type?: string };
    return { workflowId, status, failureType: cause?.type ?? undefined, error: cause?.message ?? (err as Error).message };
  }
}

export function formatDescription(d: ScheduleDescription): string {
  const s = d.settings;
  const lines = [
    `schedule  ${d.id} ${d.paused ? `PAUSED${d.note ? ` (${d.note})` : ''}` : 'active'}`,
    ...(s
      ? [
          s.serverId ? `server    ${s.serverId} (every disk)` : `disk      ${s.volumeId}`,
          `names     ${s.nameTemplate}`,
          `keep      ${s.keep ?? 'all'}${s.dryRun ? ' (dry run)' : ''}`,
        ]
      : []),
    `next      ${d.nextActionTimes.slice(0, 3).join(', ') || 'none'}`,
    'recent builds:',
  ];
  for (const b of d.recentBuilds) {
    const what = b.failureType
      ? `FAILED (${b.failureType}): ${b.error}`
      : b.skipped
        ? `skipped: ${b.skipped}`
        : b.imageId
          ? `${b.imageName} (${b.imageId})${b.retention ? `; retention kept ${b.retention.kept}, deleted ${b.retention.deleted.length}, skipped ${b.retention.skipped.length}` : ''}`
          : b.status.toLowerCase();
    lines.push(`  ${b.scheduledAt}  ${what}`);
  }
  if (d.recentBuilds.length === 0) lines.push('  none yet');
  return lines.join('\n');
}
