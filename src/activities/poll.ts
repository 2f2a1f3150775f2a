// Waiting on the cloud inside one heartbeating activity (Temporal's "frequent polling" pattern): a few history
// events per wait however long it takes, cancellation through the heartbeat, and a resume point in the details.
import { activityInfo, heartbeat, sleep } from '@temporalio/activity';

export interface PollPolicy {
  /** First delay between reads. */
  initialMs: number;
  /** Cap on the delay; the backoff keeps long waits cheap (P8). */
  maxMs: number;
  factor: number;
}

const HEARTBEAT_EVERY_MS = 5_000;

export const DEFAULT_POLL: PollPolicy = { initialMs: 1000, maxMs: 30_000, factor: 1.5 };

export interface PollDetails<S> {
  /** Reads made so far in this wait, across attempts. */
  polls: number;
  delayMs: number;
  state: S;
}

/**
 * Calls `step` until it returns a value. `state` is carried in heartbeat details, so a retried attempt
 * (after a worker crash) resumes where the last one left off instead of starting over.
 */
export async function pollUntil<T, S>(
  policy: PollPolicy,
  initial: S,
  step: (state: S, poll: number) => Promise<{ done: T } | { state: S }>,
): Promise<T> {
  const resumed = activityInfo().heartbeatDetails as PollDetails<S> | undefined;
  let polls = resumed?.polls ?? 0;
  let delayMs = resumed ? Math.min(resumed.delayMs, policy.maxMs) : policy.initialMs;
  let state = resumed?.state ?? initial;
  for (;;) {
    const r = await step(state, polls++);
    if ('done' in r) return r.done;
    state = r.state;
    const details: PollDetails<S> = { polls, delayMs, state };
    // Heartbeat at least every HEARTBEAT_EVERY_MS even during long delays, so the workflow's heartbeat
    // timeout (and with it crash detection) does not depend on the poll cap.
    for (let left = delayMs; left > 0; left -= HEARTBEAT_EVERY_MS) {
      heartbeat(details);
      await sleep(Math.min(left, HEARTBEAT_EVERY_MS));
    }
    delayMs = Math.min(policy.maxMs, Math.round(delayMs * policy.factor));
  }
}
