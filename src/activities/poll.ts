// Waiting without holding anything (P9). A wait is an activity that reads once: when the awaited state has not
// come, it fails with a retryable, benign `NotReady` whose `nextRetryDelay` the poll policy sets, and the
// activity's retry policy is the loop (Temporal's "infrequent polling" shape). Between reads the wait holds no
// worker slot, connection or budget token — only the server's retry timer — so however many runs wait, the
// calls they wait for still get through. The wait's deadline is its scheduleToClose timeout (P6), and retries
// add no history events.
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WAIT_NOT_READY } from '../workflows/api';
import { toFailure } from './failures';

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

export function nextDelay(policy: PollPolicy, elapsedMs: number): number {
  return Math.round(Math.min(policy.maxMs, Math.max(policy.initialMs, elapsedMs * policy.fraction)));
}

/** The delay before the next read of the current wait: from the time waited, never past the deadline. */
export function delayNow(policy: PollPolicy, now = Date.now()): number {
  const info = activityInfo();
  const delay = nextDelay(policy, now - info.scheduledTimestampMs);
  // The server ends a wait whose next retry would fall after the deadline; read once more just before it instead.
  const left = info.scheduleToCloseTimeoutMs ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs - now - 100 : Infinity;
  return left > policy.initialMs ? Math.min(delay, left) : delay;
}

/**
 * One read of a wait. `read` returns the awaited value, or `undefined` (with what it saw) for "not yet". Cloud
 * failures that may pass keep the wait's own pace rather than the retry policy's growing backoff.
 */
export async function readOnce<T>(policy: PollPolicy, what: string, read: () => Promise<{ done: T } | { notYet: string }>): Promise<T> {
  let r: { done: T } | { notYet: string };
  try {
    r = await read();
  } catch (err) {
    const f = toFailure(err, what);
    if (!(f instanceof ApplicationFailure) || f.nonRetryable) throw f;
    throw ApplicationFailure.create({ type: f.type ?? undefined, message: f.message, details: f.details as unknown[], nextRetryDelay: Math.max(Number(f.nextRetryDelay ?? 0), delayNow(policy)) });
  }
  if ('done' in r) return r.done;
  const info = activityInfo();
  const waited = Math.round((Date.now() - info.scheduledTimestampMs) / 1000);
  throw ApplicationFailure.create({
    type: WAIT_NOT_READY,
    message: `${what}: ${r.notYet} (read ${info.attempt} time${info.attempt === 1 ? '' : 's'} in ${waited} s)`,
    category: 'BENIGN',
    nextRetryDelay: delayNow(policy),
  });
}

/** Reads `initialMs,maxMs,fraction` overrides from the environment (EVS_EXPORT_POLL), for tests and benchmarks. */
export function pollPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<PollPolicy> | undefined {
  if (!env.EVS_EXPORT_POLL) return undefined;
  const [initialMs, maxMs, fraction] = env.EVS_EXPORT_POLL.split(',').map(Number);
  return { initialMs, maxMs, fraction };
}
