import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL, nextDelay, pollDelay, pollPolicyFromEnv, type PollPolicy, promptHoldMs } from '../../src/activities/poll';
import type { Expectation } from '../../src/activities/step-times';

const HOUR = 3_600_000;
/** The Temporal server fires a retry timer no sooner than about a second after it was set (poll.ts). */
const TIMER_FLOOR_MS = 1_000;

/**
 * A wait for a step that ends `durationMs` after the wait began, read as the two stages read it: inside the
 * prompt activity while the next read falls within its hold, then one read per retry, never sooner than the
 * timer floor. Returns the reads, how late the end was noticed, and every read's time.
 */
function simulate(durationMs: number, expected: Expectation | undefined, policy: PollPolicy = DEFAULT_POLL) {
  const at: number[] = [];
  let t = 0;
  let prompt = true;
  for (;;) {
    at.push(t);
    if (t >= durationMs) return { reads: at.length, lateMs: t - durationMs, at };
    let d = pollDelay(policy, expected, t);
    if (prompt && t + d > promptHoldMs(policy)) prompt = false;
    if (!prompt) d = Math.max(d, TIMER_FLOOR_MS);
    t += d;
  }
}

const learned = (endMs: number, window = 0.2): Expectation => ({ endMs, marginMs: Math.round(endMs * window), learned: true });
const documented = (endMs: number): Expectation => ({ ...learned(endMs), learned: false });
/** The goal: noticed within 2 % of the step's duration, or 100 ms, whichever is larger. */
const goal = (durationMs: number) => Math.max(0.02 * durationMs, 100);

describe('poll schedule: nothing expected', () => {
  it('is the plain backoff', () => {
    for (const t of [0, 1_000, 60_000, HOUR]) expect(pollDelay(DEFAULT_POLL, undefined, t)).toBe(nextDelay(DEFAULT_POLL, t));
  });
});

describe('poll schedule: an hour-long upload', () => {
  it('costs at most 30 reads when it ends as documented, and about 20 once learned', () => {
    const fresh = simulate(HOUR, documented(HOUR));
    expect(fresh.reads).toBeLessThanOrEqual(30);
    const known = simulate(HOUR, learned(HOUR, 0.1));
    expect(known.reads).toBeLessThanOrEqual(20);
    for (const r of [fresh, known]) expect(r.lateMs).toBeLessThanOrEqual(goal(HOUR));
  });

  it('still costs at most 30 reads ending anywhere in its window, and notices the end within 2 %', () => {
    for (const f of [0.8, 0.9, 1, 1.1, 1.2]) {
      const r = simulate(f * HOUR, learned(HOUR));
      expect([f, r.reads <= 30]).toEqual([f, true]);
      expect(r.lateMs).toBeLessThanOrEqual(goal(f * HOUR));
    }
  });

  it('reads sparsely before the window: each read at most three times the time of the one before', () => {
    const { at } = simulate(HOUR, learned(HOUR));
    const from = HOUR * 0.8;
    const sparse = at.filter((t) => t > 0 && t <= from);
    for (let i = 1; i < sparse.length; i++) expect(sparse[i]).toBeLessThanOrEqual(3 * sparse[i - 1] + 1);
    // The window's first read is at its start, not past it.
    expect(sparse[sparse.length - 1]).toBe(from);
    expect(sparse.length).toBeLessThanOrEqual(3);
  });

  it('costs far fewer reads than the plain backoff', () => {
    expect(simulate(HOUR, learned(HOUR)).reads * 3).toBeLessThan(simulate(HOUR, undefined).reads);
  });
});

describe('poll schedule: the end of a step is noticed within 2 % of its duration or 100 ms', () => {
  it('short steps, inside the prompt stage', () => {
    // A 1.5 s stop with ±200 ms jitter, a 3 s upload: the benchmark's steps, once learned.
    for (const [expected, durations] of [
      [1_500, [1_250, 1_300, 1_500, 1_700, 1_900]],
      [3_000, [2_500, 2_800, 3_000, 3_200, 3_600]],
    ] as const) {
      for (const d of durations) expect([expected, d, simulate(d, learned(expected)).lateMs <= goal(d)]).toEqual([expected, d, true]);
    }
  });

  it('long steps, by retry timers: from the window on, every read within 1.8 % of the time waited', () => {
    for (const d of [60_000, 600_000, 10 * HOUR]) {
      for (const f of [0.85, 1, 1.5, 3]) expect([d, f, simulate(d * f, learned(d)).lateMs <= goal(d * f)]).toEqual([d, f, true]);
    }
  });

  it('between 5 and 50 s the retry timer floor limits it: within a second', () => {
    for (const d of [8_000, 20_000, 45_000]) expect(simulate(d, learned(d)).lateMs).toBeLessThanOrEqual(TIMER_FLOOR_MS);
  });

  it('a step far shorter than documented is still seen within a second or so: the defaults are not trusted at first', () => {
    // The documented SOFT stop is 60 s; a simulator stops in 1.5 s: seen at most one doubling late.
    for (const d of [400, 1_500, 3_000]) expect(simulate(d, documented(60_000)).lateMs).toBeLessThanOrEqual(d);
    // Past the prompt stage, reads at least every maxMs until an eighth of the way to the window.
    const { at } = simulate(20 * 60_000, documented(HOUR));
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(Math.max(...gaps.filter((_, i) => at[i] < HOUR * 0.1))).toBeLessThanOrEqual(DEFAULT_POLL.maxMs);
    // Once learned, a step that still ends before its window is seen at most one sparse read late (×3).
    for (const d of [700, 1_500, 4_000]) expect(simulate(d, learned(10_000)).lateMs).toBeLessThanOrEqual(2 * d);
  });
});

describe('poll schedule: bounds', () => {
  it('never reads past the start of the window, however far the wait has come (but reads no denser than dense)', () => {
    for (const e of [learned(10_000), learned(HOUR), documented(HOUR), learned(3_000, 0.05)]) {
      const from = e.endMs - e.marginMs;
      for (let t = 0; t < from; t += Math.round(from / 97)) {
        const densest = Math.max(DEFAULT_POLL.closeMs, t * DEFAULT_POLL.dense);
        expect([e.endMs, t, t + pollDelay(DEFAULT_POLL, e, t) <= Math.max(from, t + densest) + 1]).toEqual([e.endMs, t, true]);
      }
    }
  });

  it('reads are at least closeMs and at most sparseMaxMs apart, dense ones a fraction of the time waited', () => {
    const e = learned(10 * HOUR);
    for (let t = 0; t < 20 * HOUR; t += 60_000) {
      const d = pollDelay(DEFAULT_POLL, e, t);
      expect(d).toBeGreaterThanOrEqual(DEFAULT_POLL.closeMs);
      expect(d).toBeLessThanOrEqual(t >= 8 * HOUR ? Math.ceil(t * DEFAULT_POLL.dense) : DEFAULT_POLL.sparseMaxMs);
    }
    // Past the window: dense, a fraction of the time waited.
    expect(pollDelay(DEFAULT_POLL, learned(1_000), 5_000)).toBe(5_000 * DEFAULT_POLL.dense);
    expect(pollDelay(DEFAULT_POLL, learned(1_000), 1_000)).toBe(DEFAULT_POLL.closeMs);
  });

  it('follows the policy: a denser dense fraction reads more, sparseMaxMs caps the reads of an expected step', () => {
    const e = learned(HOUR);
    expect(simulate(HOUR, e, { ...DEFAULT_POLL, dense: 0.005 }).reads).toBeGreaterThan(simulate(HOUR, e).reads);
    expect(pollDelay({ ...DEFAULT_POLL, sparseMaxMs: 1_000 }, e, HOUR)).toBe(1_000);
    expect(pollDelay({ ...DEFAULT_POLL, sparseMaxMs: 1_000 }, e, 0)).toBe(1_000);
    // maxMs caps the plain backoff, and the reads of an expectation not trusted yet.
    expect(pollDelay({ ...DEFAULT_POLL, maxMs: 1_000 }, documented(HOUR), 30_000)).toBe(1_000);
    expect(pollDelay({ ...DEFAULT_POLL, maxMs: 1_000 }, undefined, 100_000)).toBe(1_000);
  });
});

describe('EVS_EXPORT_POLL settings', () => {
  it('takes name=value settings after the positional ones, or alone', () => {
    expect(pollPolicyFromEnv({ EVS_EXPORT_POLL: '100,1000,0.2,500,dense=0.01,closeMs=80' })).toEqual({
      initialMs: 100,
      maxMs: 1000,
      fraction: 0.2,
      promptMs: 500,
      dense: 0.01,
      closeMs: 80,
    });
    expect(pollPolicyFromEnv({ EVS_EXPORT_POLL: 'sparse=0.5, sparseMaxMs=600000' })).toEqual({ sparse: 0.5, sparseMaxMs: 600_000 });
  });

  it('refuses a bad setting, naming the variable and the value', () => {
    expect(() => pollPolicyFromEnv({ EVS_EXPORT_POLL: 'dense=0' })).toThrow(
      'EVS_EXPORT_POLL: dense must be a positive number, got "0" in "dense=0"',
    );
    expect(() => pollPolicyFromEnv({ EVS_EXPORT_POLL: 'closeMs=' })).toThrow('EVS_EXPORT_POLL: closeMs must be a positive number');
    expect(() => pollPolicyFromEnv({ EVS_EXPORT_POLL: 'denser=1' })).toThrow(
      'EVS_EXPORT_POLL: unknown setting "denser" in "denser=1"; known:',
    );
    expect(() => pollPolicyFromEnv({ EVS_EXPORT_POLL: 'dense=0.1,100' })).toThrow(
      'EVS_EXPORT_POLL: expected initialMs,maxMs,fraction[,promptMs]',
    );
    expect(() => pollPolicyFromEnv({ EVS_EXPORT_POLL: 'initialMs=500,maxMs=100' })).toThrow(
      'EVS_EXPORT_POLL: initialMs must not exceed maxMs',
    );
  });
});
