// Waiting without holding anything for long (P9). A wait runs in two stages:
// 1. prompt: reads inside one activity while the next read is due within `promptMs` (a second by default: the
//    Temporal server fires timers, retry timers included, no sooner than about a second after they are set —
//    `history.timerProcessorMaxTimeShift`), so a step that ends within seconds is noticed at once. This holds a
//    worker slot for a few seconds at most; then the activity returns "not yet" and when the wait began.
// 2. patient: one read per attempt of a second activity; "not yet" is a retryable, benign `NotReady` failure
//    whose `nextRetryDelay` the policy sets, so the retry policy is the loop (Temporal's "infrequent polling"
//    shape). Between reads it holds no slot, connection or budget token, and the retries add no history events.
// The step's deadline is each activity's scheduleToClose timeout (P6); the workflow drives the stages
// (src/workflows/waiting.ts).
import { activityInfo, sleep } from '@temporalio/activity';
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
  /** Delays shorter than this are waited inside the activity (stage 1); longer ones between attempts (stage 2). */
  promptMs: number;
}

export const DEFAULT_POLL: PollPolicy = { initialMs: 300, maxMs: 60_000, fraction: 0.2, promptMs: 1_000 };

/** The awaited value, or — from the prompt stage — when the wait began (and what it did), for the patient stage. */
export type Waited<T, S = never> = { done: T } | { since: number; state?: S };

/**
 * What one read found: the awaited value, or what it saw instead (for the operator: the UI shows it); `later`
 * is "not yet, and not within seconds" — the prompt stage hands over to the patient one at once.
 */
export type Reading<T> = { done: T } | { notYet: string } | { later: string };

export function nextDelay(policy: PollPolicy, elapsedMs: number): number {
  return Math.round(Math.min(policy.maxMs, Math.max(policy.initialMs, elapsedMs * policy.fraction)));
}

async function readMapped<T>(what: string, read: () => Promise<Reading<T>>): Promise<Reading<T>> {
  try {
    return await read();
  } catch (err) {
    throw toFailure(err, what);
  }
}

/**
 * Stage 1: reads until done or until the next read is due later than `promptMs`. An activity that waited for a
 * slot longer than that finds the worker busy: it reads once and hands over, keeping no slot from the calls.
 */
export async function readPromptly<T>(policy: PollPolicy, what: string, read: () => Promise<Reading<T>>): Promise<Waited<T>> {
  const since = Date.now();
  const busy = since - activityInfo().currentAttemptScheduledTimestampMs > policy.promptMs;
  for (;;) {
    const r = await readMapped(what, read);
    if ('done' in r) return r;
    if ('later' in r || busy) return { since };
    const delay = nextDelay(policy, Date.now() - since);
    if (delay >= policy.promptMs) return { since };
    await sleep(delay);
  }
}

/** Stage 2: one read; "not yet" fails the attempt with NotReady, due again after the policy's delay. */
export async function readOnce<T>(policy: PollPolicy, what: string, since: number, read: () => Promise<Reading<T>>): Promise<Waited<T>> {
  let r: Reading<T>;
  try {
    r = await readMapped(what, read);
  } catch (f) {
    // A cloud failure that may pass keeps the wait's own pace, not the retry policy's growing backoff.
    if (!(f instanceof ApplicationFailure) || f.nonRetryable) throw f;
    throw ApplicationFailure.create({
      type: f.type ?? undefined,
      message: f.message,
      details: f.details as unknown[],
      nextRetryDelay: Math.max(Number(f.nextRetryDelay ?? 0), delayNow(policy, since)),
    });
  }
  if ('done' in r) return r;
  const info = activityInfo();
  throw ApplicationFailure.create({
    type: WAIT_NOT_READY,
    message:
      `${what}: ${'notYet' in r ? r.notYet : r.later} (waiting ${Math.round((Date.now() - since) / 1000)} s, ` +
      `read ${info.attempt} time${info.attempt === 1 ? '' : 's'} in this stage)`,
    category: 'BENIGN',
    nextRetryDelay: delayNow(policy, since),
  });
}

/** The delay before the next read: from the time waited, and never past the deadline. */
function delayNow(policy: PollPolicy, since: number, now = Date.now()): number {
  const info = activityInfo();
  const delay = nextDelay(policy, now - since);
  // The server ends a wait whose next retry would fall after the deadline; read once more just before it instead.
  const left = info.scheduleToCloseTimeoutMs ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs - now - 100 : Infinity;
  return left > policy.initialMs ? Math.min(delay, left) : delay;
}

/** A wait's two stages: `since` absent = prompt (stage 1), given = patient (stage 2). */
export function waitStage<T>(
  policy: PollPolicy,
  what: string,
  since: number | undefined,
  read: () => Promise<Reading<T>>,
): Promise<Waited<T>> {
  return since === undefined ? readPromptly(policy, what, read) : readOnce(policy, what, since, read);
}

/** Reads `initialMs,maxMs,fraction[,promptMs]` from EVS_EXPORT_POLL; a malformed value is refused, naming it. */
export function pollPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<PollPolicy> | undefined {
  const raw = env.EVS_EXPORT_POLL;
  if (!raw) return undefined;
  const parts = raw.split(',').map((x) => Number(x.trim()));
  if (parts.length < 3 || parts.length > 4 || parts.some((n) => !Number.isFinite(n) || n <= 0) || parts[0] > parts[1]) {
    throw new Error(
      `EVS_EXPORT_POLL: expected initialMs,maxMs,fraction[,promptMs] (positive numbers, initialMs <= maxMs), got ${JSON.stringify(raw)}`,
    );
  }
  const [initialMs, maxMs, fraction, promptMs] = parts;
  return { initialMs, maxMs, fraction, ...(promptMs !== undefined ? { promptMs } : {}) };
}
