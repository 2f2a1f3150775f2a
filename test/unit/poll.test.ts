import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL, nextDelay, pollPolicyFromEnv } from '../../src/activities/poll';

/** Reads a wait of `durationMs` costs under the policy, and how late its end is noticed. */
function simulate(durationMs: number) {
  let t = 0;
  let reads = 0;
  for (;;) {
    reads++;
    if (t >= durationMs) return { reads, lateMs: t - durationMs };
    t += nextDelay(DEFAULT_POLL, t);
  }
}

describe('poll backoff (P8)', () => {
  it('starts at the minimum and grows with the time waited, up to the cap', () => {
    expect(nextDelay(DEFAULT_POLL, 0)).toBe(DEFAULT_POLL.initialMs);
    expect(nextDelay(DEFAULT_POLL, 60_000)).toBe(12_000);
    expect(nextDelay(DEFAULT_POLL, 3_600_000)).toBe(DEFAULT_POLL.maxMs);
  });

  it('costs tens of reads for an hour-long upload, not thousands', () => {
    const { reads } = simulate(3_600_000);
    expect(reads).toBeLessThan(100);
    expect(reads).toBeGreaterThan(10);
  });

  it('notices the end of a step within a fifth of its duration (and within the cap)', () => {
    for (const d of [2_000, 30_000, 600_000, 3_600_000]) {
      const { lateMs } = simulate(d);
      expect(lateMs).toBeLessThanOrEqual(Math.min(d * DEFAULT_POLL.fraction, DEFAULT_POLL.maxMs) + DEFAULT_POLL.initialMs);
    }
  });
});

describe('poll policy from the environment', () => {
  it('reads three or four numbers', () => {
    expect(pollPolicyFromEnv({ EVS_EXPORT_POLL: '100,400,0.2' })).toEqual({ initialMs: 100, maxMs: 400, fraction: 0.2 });
    expect(pollPolicyFromEnv({ EVS_EXPORT_POLL: '100, 1000, 0.2, 500' })).toEqual({
      initialMs: 100,
      maxMs: 1000,
      fraction: 0.2,
      promptMs: 500,
    });
    expect(pollPolicyFromEnv({})).toBeUndefined();
  });

  it('refuses a malformed value, naming the variable and the value', () => {
    for (const bad of ['100,400', '100,400,x', '500,100,0.2', '100,400,0.2,0', '1,2,3,4,5']) {
      expect(() => pollPolicyFromEnv({ EVS_EXPORT_POLL: bad })).toThrow(
        `EVS_EXPORT_POLL: expected initialMs,maxMs,fraction[,promptMs] (positive numbers, initialMs <= maxMs), got ${JSON.stringify(bad)}`,
      );
    }
  });
});
