// The request rate the simulator saw: from its `api.call` events (one per HTTP request to a cloud API, with the
// time it was answered), the most requests that fell into any window of a given length — a sliding window, so a
// burst that straddles a second boundary is counted whole.
import type { SimEvent } from '../../src/sim/types';

/** Times (epoch ms, ascending) of the simulator's API calls among `events`. */
export function requestTimes(events: readonly SimEvent[]): number[] {
  return events
    .filter((e) => e.type === 'api.call')
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b);
}

/** The most timestamps within any half-open window [t, t + windowMs), and where that window begins. */
export function maxInWindow(times: readonly number[], windowMs: number): { count: number; at: number } {
  let best = { count: 0, at: NaN };
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] >= windowMs) lo++;
    if (hi - lo + 1 > best.count) best = { count: hi - lo + 1, at: times[lo] };
  }
  return best;
}

/**
 * What one token bucket (rate r per second, burst b) lets through in any window of w seconds: b + r × w. The
 * bucket starts full, so the first window of a case may reach it.
 */
export function bucketCeiling(rps: number, burst: number, windowS: number): number {
  return burst + rps * windowS;
}
