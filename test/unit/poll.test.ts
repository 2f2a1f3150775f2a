import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL, nextDelay } from '../../src/activities/poll';

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
