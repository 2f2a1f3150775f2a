// Waiting on the cloud inside one heartbeating activity (Temporal's "frequent polling" pattern): a few history
// events per wait however long it takes, cancellation through the heartbeat, and a resume point in the details.
import { activityInfo, sleep } from '@temporalio/activity';
import { beat } from './heartbeat';

export interface PollPolicy {
  /** Shortest delay between reads. */
  initialMs: number;
  /** Longest delay between reads. */
  maxMs: number;
  /**
   * The delay grows with the time already waited (delay = elapsed × fraction, within the bounds): noticing the
   * end of a step costs at most that fraction of its duration, and an hour-long wait costs tens of reads (P8).
   */
  fraction: number;
}

export const DEFAULT_POLL: PollPolicy = { initialMs: 300, maxMs: 60_000, fraction: 0.2 };

export interface PollDetails<S> {
  /** Reads made so far in this wait, across attempts. */
  polls: number;
  /** When this wait began (first attempt), epoch ms. */
  startedAt: number;
  state: S;
}

export function nextDelay(policy: PollPolicy, elapsedMs: number): number {
  return Math.round(Math.min(policy.maxMs, Math.max(policy.initialMs, elapsedMs * policy.fraction)));
}

/**
 * Calls `step` until it returns a value. `state` is carried in heartbeat details, so a retried attempt
 * (after a worker crash) resumes where the last one left off — same state, same backoff — instead of starting over.
 */
export async function pollUntil<T, S>(
  policy: PollPolicy,
  initial: S,
  step: (state: S, poll: number) => Promise<{ done: T } | { state: S }>,
): Promise<T> {
  const resumed = activityInfo().heartbeatDetails as PollDetails<S> | undefined;
  const startedAt = resumed?.startedAt ?? Date.now();
  let polls = resumed?.polls ?? 0;
  let state = resumed?.state ?? initial;
  for (;;) {
    const r = await step(state, polls++);
    if ('done' in r) return r.done;
    state = r.state;
    beat({ polls, startedAt, state } satisfies PollDetails<S>);
    await sleep(nextDelay(policy, Date.now() - startedAt));
  }
}

/** Reads `initialMs,maxMs,fraction` overrides from the environment (EVS_EXPORT_POLL), for tests and benchmarks. */
export function pollPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<PollPolicy> | undefined {
  if (!env.EVS_EXPORT_POLL) return undefined;
  const [initialMs, maxMs, fraction] = env.EVS_EXPORT_POLL.split(',').map(Number);
  return { initialMs, maxMs, fraction };
}
