// A wait in its two stages (activities/poll.ts): prompt reads inside one activity while they fall due within a
// second, then — if the awaited state has not come — one read per attempt of a second activity, repeated by its
// retry policy, holding no worker slot between reads (P9). Both stages within the step's deadline (P6).
import type { Priority } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/workflow';
import type { Counted } from '../activities';
import type { Waited } from '../activities/poll';
import { waits } from './activity-options';
import type { CallCounts } from './failures';

export type WaitActivities = ReturnType<typeof waits>;

export interface WaitOptions {
  deadlineMs: number;
  /** On the urgent task queue (a restart's waits). */
  urgent?: boolean;
  /** Temporal priority (activity-options.ts): a snapshot's wait is `DOWNTIME_PRIORITY`, the image's `BACKGROUND_PRIORITY`. */
  priority?: Priority;
  /**
   * A wait that decides when servers may restart (the disk leaving `uploading`): its patient reads go to the
   * urgent task queue, ahead of other runs' work; its prompt stage stays on the main queue, so that many short
   * waits do not crowd the restarts' slots. (Not `DOWNTIME_PRIORITY`: polls that always go first read more often
   * and starve the plans other servers wait for — docs/design.md.)
   */
  restartPath?: boolean;
  /** Skip the prompt stage: a wait expected to last minutes (an upload) holds no slot from its first read. */
  patientOnly?: boolean;
  /** What the wait is for, named in the Web UI's timeline. */
  summary?: string;
  counted: (calls: CallCounts) => void;
}

export async function waitFor<T>(
  o: WaitOptions,
  stage: (w: WaitActivities, since?: number) => Promise<Counted<{ waited: Waited<T> }>>,
): Promise<T> {
  const giveUpAt = Date.now() + o.deadlineMs;
  let since = Date.now();
  if (!o.patientOnly) {
    const prompt = await stage(waits(o.deadlineMs, { urgent: o.urgent, priority: o.priority, summary: o.summary }));
    o.counted(prompt.apiCalls);
    if ('done' in prompt.waited) return prompt.waited.done;
    since = prompt.waited.since;
  }
  const patient = await stage(
    waits(giveUpAt - Date.now(), { urgent: o.urgent || o.restartPath, priority: o.priority, summary: o.summary }),
    since,
  );
  o.counted(patient.apiCalls);
  if ('done' in patient.waited) return patient.waited.done;
  throw ApplicationFailure.create({
    message: 'a wait ended without its value (the patient stage never returns "not yet")',
    nonRetryable: true,
  });
}
