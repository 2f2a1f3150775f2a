// The pure arithmetic behind bench:scale's figures: the busiest window of requests, and a quantile from Prometheus
// buckets as histogram_quantile() takes it.
import { describe, expect, it } from 'vitest';
import { bucketDiff, bucketQuantile, parseBuckets } from '../../bench/lib/scale-histograms';
import { maxInWindow } from '../../bench/lib/scale-rate';

describe('maxInWindow', () => {
  it('counts a burst that straddles a second boundary whole (a sliding window, half-open)', () => {
    const times = [0, 900, 1000, 1100, 1200, 1899, 1900, 3000];
    expect(maxInWindow(times, 1000)).toEqual({ count: 5, at: 900 });
    expect(maxInWindow([], 1000).count).toBe(0);
  });
});

describe('bucket quantiles', () => {
  const text = [
    '# TYPE temporal_activity_schedule_to_start_latency histogram',
    'temporal_activity_schedule_to_start_latency_bucket{task_queue="a",le="0.1"} 50',
    'temporal_activity_schedule_to_start_latency_bucket{task_queue="a",le="1"} 90',
    'temporal_activity_schedule_to_start_latency_bucket{task_queue="a",le="+Inf"} 100',
    'temporal_activity_schedule_to_start_latency_bucket{task_queue="b",le="0.1"} 0',
    'temporal_activity_schedule_to_start_latency_bucket{task_queue="b",le="1"} 0',
    'temporal_activity_schedule_to_start_latency_bucket{task_queue="b",le="+Inf"} 100',
    'temporal_other_bucket{le="1"} 7',
  ].join('\n');

  it('sums label sets per prefix and interpolates within the bucket', () => {
    const b = parseBuckets(text, ['temporal_activity_schedule_to_start_latency']).get('temporal_activity_schedule_to_start_latency')!;
    expect([...b]).toEqual([
      [0.1, 50],
      [1, 90],
      [Infinity, 200],
    ]);
    // p50 of 200 is the 100th: above 1 s (in +Inf), so the largest finite bound, flagged.
    expect(bucketQuantile(b, 0.5)).toEqual({ count: 200, p95: 1, aboveLastBound: true });
    const a = parseBuckets(
      text
        .split('\n')
        .filter((l) => !l.includes('task_queue="b"'))
        .join('\n'),
      ['temporal_activity_schedule_to_start_latency'],
    );
    // 95th of 100 with 90 up to 1 s: in +Inf; 80th: 0.1 + 0.9 × (80 − 50) / 40.
    const only = a.get('temporal_activity_schedule_to_start_latency')!;
    expect(bucketQuantile(only, 0.8).p95).toBeCloseTo(0.775, 10);
  });

  it('counts only what was observed between two readings', () => {
    const before = new Map([
      [1, 10],
      [Infinity, 10],
    ]);
    const after = new Map([
      [1, 30],
      [Infinity, 40],
    ]);
    expect([...bucketDiff(after, before)]).toEqual([
      [1, 20],
      [Infinity, 30],
    ]);
    expect(bucketQuantile(new Map(), 0.95)).toEqual({ count: 0, p95: NaN, aboveLastBound: false });
  });
});
