// Waiting without holding anything for long (P9). A wait runs in two stages:
// 1. prompt: reads inside one activity while the next read falls due within its first 5 × `promptMs` (five
//    seconds by default: the Temporal server fires timers, retry timers included, no sooner than about a second
//    after they are set — `history.timerProcessorMaxTimeShift`), so a step that ends within seconds is noticed at
//    once. This holds a worker slot for a few seconds at most; then the activity returns "not yet" and when the
//    wait began.
// 2. patient: one read per attempt of a second activity; "not yet" is a retryable, benign `NotReady` failure
//    whose `nextRetryDelay` the schedule sets, so the retry policy is the loop (Temporal's "infrequent polling"
//    shape). Between reads it holds no slot, connection or budget token, and the retries add no history events.
// The step's deadline is each activity's scheduleToClose timeout (P6); the workflow drives the stages
// (src/workflows/waiting.ts).
//
// When to read (`pollDelay`, a pure function of the policy, the expectation and the time waited): a wait that
// knows its step (step-times.ts: what this worker has seen such steps take) reads sparsely until shortly before
// the step is expected to end — the time waited triples from read to read — and densely from then on: every
// `dense` × the time waited (1.8 %), at least `closeMs` (80 ms) apart. So the end of a step is noticed within 2 %
// of its duration or 100 ms — within about a second for a step of 5–50 s that outlasts the prompt stage, where
// the retry timers' floor rules — and an hour's upload costs 15–30 reads (the plain backoff's: about 90). A wait
// with nothing to expect (a restart blocked by someone else's upload, the compensation's wait, a stop someone
// else began) backs off as before: delay = 20 % of the time waited, within 0.3–60 s.
import { activityInfo, sleep } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WAIT_NOT_READY } from '../workflows/api';
import { WorkerConfigError } from '../worker-limits';
import { toFailure } from './failures';
import type { Expectation, StepDefaults, StepWatch } from './step-times';

export interface PollPolicy {
  /** First delay of the plain backoff (a wait with nothing to expect). */
  initialMs: number;
  /**
   * Longest delay between reads of the plain backoff, and of the reads before an expected step's window until
   * this worker has learned the step's duration or the wait has come 1/8 of the way to the window.
   */
  maxMs: number;
  /**
   * The plain backoff grows with the time already waited (delay = elapsed × fraction, within the bounds): noticing
   * the end of a step costs at most that fraction of its duration, and an hour-long wait costs tens of reads (P8).
   */
  fraction: number;
  /**
   * The prompt stage reads inside its activity for at most 5 × this (stage 1); later reads are one per attempt
   * (stage 2). An activity that waited longer than this for a worker slot finds the worker busy and hands over.
   */
  promptMs: number;
  /**
   * Dense reads, from shortly before the expected end of a step: delay = elapsed × dense (the 2 % goal, with room
   * for a retry timer's lag), at least closeMs (the 100 ms goal, with room for a timer's lag and a request's way to
   * the cloud), from the start of one read to the next.
   */
  dense: number;
  closeMs: number;
  /** Sparse reads, before then: delay = elapsed × sparse (the time waited triples), at least 1/8 of the time to the dense reads. */
  sparse: number;
  /** Longest delay between the reads of an expected step (sparse or dense). */
  sparseMaxMs: number;
  /** What each step takes before this worker has seen one (step-times.ts; default the documented durations). */
  expected?: Partial<StepDefaults>;
}

export const DEFAULT_POLL: PollPolicy = {
  initialMs: 300,
  maxMs: 60_000,
  fraction: 0.2,
  promptMs: 1_000,
  dense: 0.018,
  closeMs: 80,
  sparse: 2,
  sparseMaxMs: 1_800_000,
};

/** The prompt stage's reads fall due within this much of its start. */
export function promptHoldMs(policy: PollPolicy): number {
  return 5 * policy.promptMs;
}

/** The awaited value, or — from the prompt stage — when the wait began (and what it did), for the patient stage. */
export type Waited<T, S = never> = { done: T; firstDeferred?: true } | { since: number; state?: S };

/**
 * What one read found: the awaited value, or what it saw instead (for the operator: the UI shows it); `later`
 * is "not yet, and not within seconds" — the prompt stage hands over to the patient one at once.
 */
export type Reading<T> = { done: T } | { notYet: string } | { later: string };

/** The plain backoff: delay = elapsed × fraction, within initialMs..maxMs. */
export function nextDelay(policy: PollPolicy, elapsedMs: number): number {
  return Math.round(Math.min(policy.maxMs, Math.max(policy.initialMs, elapsedMs * policy.fraction)));
}

/** The sparse reads' first delay is this fraction of the time until the dense reads begin. */
const LEAD = 1 / 8;
/** Until an expectation is trusted, the time waited at most doubles from read to read. */
const UNTRUSTED_GROWTH = 1;

/**
 * The delay before the next read of a wait that has waited `elapsedMs` for a step expected as `expected`:
 * - nothing expected: the plain backoff (`nextDelay`);
 * - from `endMs − marginMs` on (the window, and after it): dense, `elapsed × dense` within closeMs..sparseMaxMs,
 *   so an end is noticed within that fraction of the time waited — or closeMs;
 * - before: sparse, `elapsed × sparse` (the time waited triples), at least LEAD of the time to the window, at
 *   most sparseMaxMs, and never past the window's start.
 * An expectation not learned yet (the documented durations, or a single observation) places the window, but a
 * step may be far shorter than documented (a simulator's): until LEAD of the way to the window, reads come as the
 * plain backoff's or doubling the time waited, whichever is sparser, and at most maxMs apart, so such a step is
 * noticed within its own duration and learned from.
 */
export function pollDelay(policy: PollPolicy, expected: Expectation | undefined, elapsedMs: number): number {
  const plain = nextDelay(policy, elapsedMs);
  if (!expected) return plain;
  const dense = Math.min(policy.sparseMaxMs, Math.max(policy.closeMs, elapsedMs * policy.dense));
  const from = Math.max(0, expected.endMs - expected.marginMs);
  if (elapsedMs >= from) return Math.round(dense);
  const sparse =
    expected.learned || elapsedMs >= from * LEAD
      ? Math.min(policy.sparseMaxMs, Math.max(elapsedMs * policy.sparse, from * LEAD))
      : Math.min(policy.maxMs, Math.max(plain, elapsedMs * UNTRUSTED_GROWTH));
  return Math.round(Math.max(dense, Math.min(sparse, from - elapsedMs)));
}

async function readMapped<T>(what: string, read: () => Promise<Reading<T>>): Promise<Reading<T>> {
  try {
    return await read();
  } catch (err) {
    throw toFailure(err, what);
  }
}

/**
 * Stage 1: reads until done or until the next read would fall due past the stage's hold. An activity that waited
 * for a slot longer than `promptMs` finds the worker busy: it reads once and hands over, keeping no slot from the
 * calls.
 *
 * The step's duration it reports (`step.ended`, with half the gap between those reads as its uncertainty) runs
 * from `since`, when this activity began — or, for a stop or start this stage asked for, from the request (after a
 * read, and under a saturated budget a wait for a token) — to between its last two reads. The upload began a
 * little before `since`, when the export was requested: tens of milliseconds against durations of seconds to
 * hours, and the same offset every time, so the schedule, which counts from the same origin, is served by exactly
 * what it learns. The patient stage counts from that origin too.
 */
export async function readPromptly<T>(
  policy: PollPolicy,
  what: string,
  read: () => Promise<Reading<T>>,
  step?: StepWatch,
): Promise<Waited<T>> {
  const since = Date.now();
  const busy = since - activityInfo().currentAttemptScheduledTimestampMs > policy.promptMs;
  // The step's times count from when it began, where the wait knows (its own stop request), else from `since`.
  const origin = () => step?.began?.() ?? since;
  let notYetAt: number | undefined;
  for (;;) {
    const at = Date.now();
    const r = await readMapped(what, read);
    if ('done' in r) {
      // Seen ending between the last "not yet" and this read; a step done at the first read taught nothing.
      if (notYetAt !== undefined) step?.ended((notYetAt + at) / 2 - origin(), (at - notYetAt) / 2);
      return r;
    }
    notYetAt = at;
    if ('later' in r || busy) return { since: origin() };
    // Delays run from read to read, each from the last one's start: its own time (a slow cloud's, a loaded
    // worker's) must not widen the gap in which an end goes unnoticed.
    const delay = pollDelay(policy, step?.expect(), at - origin());
    if (at - since + delay > promptHoldMs(policy)) return { since: origin() };
    await sleep(Math.max(0, at + delay - Date.now()));
  }
}

/**
 * Stage 2: one read; "not yet" fails the attempt with NotReady, due again after the schedule's delay. A step seen
 * ended here is reported as ending at this read: at most one delay late, within 2 % of its duration from the
 * window on (earlier, the end was not expected yet and the next wait's window moves to it).
 */
export async function readOnce<T>(
  policy: PollPolicy,
  what: string,
  since: number,
  read: () => Promise<Reading<T>>,
  step?: StepWatch,
): Promise<Waited<T>> {
  const info = activityInfo();
  // The prompt stage read last just before it handed over, about when this stage was scheduled (a patient-only
  // wait: when it began): the next read falls due one delay after that. A gap longer than a retry timer's floor is
  // waited out without reading, or every long wait would read twice in a row where the stages meet.
  const lastRead = Math.max(since, info.scheduledTimestampMs);
  const firstGap = pollDelay(policy, step?.expect(), lastRead - since);
  const firstDeferred = firstGap > policy.promptMs;
  if (info.attempt === 1 && firstDeferred) {
    const dueIn = Math.max(0, deadlineBound(lastRead + firstGap - Date.now(), policy));
    throw notReady(`${what}: handed over by the prompt stage, next read in ${Math.round(dueIn / 1000)} s`, dueIn);
  }
  const at = Date.now();
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
      nextRetryDelay: Math.max(Number(f.nextRetryDelay ?? 0), delayNow(policy, since, step)),
    });
  }
  if ('done' in r) {
    // The read before was about one delay earlier (the schedule's, give or take the retry timer's lag).
    step?.ended(at - since, pollDelay(policy, step.expect(), at - since));
    // Tells the activity's count of calls (scope.ts) that its first attempt made none (as far as the schedule,
    // which may have learned since, can tell).
    return firstDeferred ? { ...r, firstDeferred } : r;
  }
  throw notReady(
    `${what}: ${'notYet' in r ? r.notYet : r.later} (waiting ${Math.round((Date.now() - since) / 1000)} s, ` +
      `attempt ${info.attempt} of this stage)`,
    delayNow(policy, since, step),
  );
}

/** "Not yet": a benign, retryable failure, due again after `delayMs` (the retry policy is the wait's loop). */
function notReady(message: string, delayMs: number): ApplicationFailure {
  return ApplicationFailure.create({ type: WAIT_NOT_READY, message, category: 'BENIGN', nextRetryDelay: delayMs });
}

/** The delay before the next read: from the schedule, and never past the deadline. */
function delayNow(policy: PollPolicy, since: number, step: StepWatch | undefined, now = Date.now()): number {
  return deadlineBound(pollDelay(policy, step?.expect(), now - since), policy, now);
}

/** The server ends a wait whose next retry would fall after the deadline: read once more just before it instead. */
function deadlineBound(delay: number, policy: PollPolicy, now = Date.now()): number {
  const info = activityInfo();
  const left = info.scheduleToCloseTimeoutMs ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs - now - 100 : Infinity;
  return left > policy.initialMs ? Math.min(delay, left) : delay;
}

/** A wait's two stages: `since` absent = prompt (stage 1), given = patient (stage 2). */
export function waitStage<T>(
  policy: PollPolicy,
  what: string,
  since: number | undefined,
  read: () => Promise<Reading<T>>,
  step?: StepWatch,
): Promise<Waited<T>> {
  return since === undefined ? readPromptly(policy, what, read, step) : readOnce(policy, what, since, read, step);
}

const POSITIONAL = ['initialMs', 'maxMs', 'fraction', 'promptMs'] as const;
const NAMED = [...POSITIONAL, 'dense', 'closeMs', 'sparse', 'sparseMaxMs'] as const;
type Setting = (typeof NAMED)[number];

/**
 * Reads EVS_EXPORT_POLL: `initialMs,maxMs,fraction[,promptMs]`, then (or only) `name=value` settings of any
 * numeric field (`dense=0.01,closeMs=100`); a malformed value is refused, naming the variable and the value.
 */
export function pollPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<PollPolicy> | undefined {
  const raw = env.EVS_EXPORT_POLL;
  if (!raw) return undefined;
  const items = raw.split(',').map((x) => x.trim());
  let lead = 0;
  while (lead < items.length && !items[lead].includes('=')) lead++;
  const positional = items.slice(0, lead);
  const named = items.slice(lead);
  const parts = positional.map(Number);
  if (
    (positional.length > 0 && (positional.length < 3 || positional.length > 4)) ||
    named.some((x) => !x.includes('=')) ||
    parts.some((n) => !Number.isFinite(n) || n <= 0) ||
    parts[0] > parts[1]
  ) {
    throw new WorkerConfigError(
      `EVS_EXPORT_POLL: expected initialMs,maxMs,fraction[,promptMs] (positive numbers, initialMs <= maxMs), got ${JSON.stringify(raw)}` +
        (named.length ? `; name=value settings (${NAMED.join(', ')}) go after them` : ''),
    );
  }
  const out: Partial<Record<Setting, number>> = {};
  parts.forEach((n, i) => (out[POSITIONAL[i]] = n));
  for (const item of named) {
    const [name, value] = item.split('=', 2).map((x) => x.trim());
    const n = Number(value);
    if (!(NAMED as readonly string[]).includes(name))
      throw new WorkerConfigError(
        `EVS_EXPORT_POLL: unknown setting ${JSON.stringify(name)} in ${JSON.stringify(raw)}; known: ${NAMED.join(', ')}`,
      );
    if (value === '' || !Number.isFinite(n) || n <= 0)
      throw new WorkerConfigError(
        `EVS_EXPORT_POLL: ${name} must be a positive number, got ${JSON.stringify(value)} in ${JSON.stringify(raw)}`,
      );
    out[name as Setting] = n;
  }
  if (out.initialMs !== undefined && out.maxMs !== undefined && out.initialMs > out.maxMs)
    throw new WorkerConfigError(`EVS_EXPORT_POLL: initialMs must not exceed maxMs, got ${JSON.stringify(raw)}`);
  return out;
}
