// Histograms from the workers' Prometheus endpoints (EVS_EXPORT_METRICS_PORT): the SDK's schedule-to-start
// latencies, read before and after a case so that only the case's own observations count, summed over every
// label set (task queue, workflow type, ...) and every worker, and a quantile from the bucket counts the way
// Prometheus' histogram_quantile() takes it (linear within the bucket).

/** Cumulative bucket counts by upper bound (`le`, seconds; Infinity for +Inf). */
export type Buckets = Map<number, number>;

/** Every `<name>_bucket` series whose name starts with one of `prefixes`, summed per prefix and `le`. */
export function parseBuckets(text: string, prefixes: readonly string[]): Map<string, Buckets> {
  const out = new Map<string, Buckets>(prefixes.map((p) => [p, new Map()]));
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)_bucket\{([^}]*)\} ([0-9.eE+-]+|\+Inf|NaN)/.exec(line);
    if (!m) continue;
    const prefix = prefixes.find((p) => m[1].startsWith(p));
    const le = /(?:^|,)le="([^"]*)"/.exec(m[2])?.[1];
    if (!prefix || le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    const b = out.get(prefix)!;
    b.set(bound, (b.get(bound) ?? 0) + Number(m[3]));
  }
  return out;
}

/** Adds `b` into `a` (the sum over workers). */
export function addBuckets(a: Buckets, b: Buckets): Buckets {
  for (const [le, n] of b) a.set(le, (a.get(le) ?? 0) + n);
  return a;
}

/** What was observed between two readings (a worker that restarted in between would show negative counts: kept at 0). */
export function bucketDiff(after: Buckets, before: Buckets): Buckets {
  return new Map([...after].map(([le, n]) => [le, Math.max(0, n - (before.get(le) ?? 0))]));
}

export interface HistogramSummary {
  count: number;
  /** Seconds; NaN without observations. */
  p95: number;
  /** The quantile fell into the +Inf bucket: the true value is above `p95`, the largest finite bound. */
  aboveLastBound: boolean;
}

/** The q-quantile from cumulative bucket counts, interpolated within its bucket as histogram_quantile() does. */
export function bucketQuantile(buckets: Buckets, q: number): HistogramSummary {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const count = buckets.get(Infinity) ?? (bounds.length ? buckets.get(bounds.at(-1)!)! : 0);
  if (count === 0) return { count: 0, p95: NaN, aboveLastBound: false };
  const rank = q * count;
  let prevBound = 0;
  let prevCount = 0;
  for (const le of bounds) {
    const c = buckets.get(le)!;
    if (c >= rank) {
      if (le === Infinity) return { count, p95: prevBound, aboveLastBound: true };
      const inBucket = c - prevCount;
      return { count, p95: inBucket > 0 ? prevBound + ((le - prevBound) * (rank - prevCount)) / inBucket : le, aboveLastBound: false };
    }
    prevBound = le;
    prevCount = c;
  }
  return { count, p95: prevBound, aboveLastBound: true };
}

/** Reads one endpoint's text; a worker that does not answer contributes nothing (and the caller says so). */
export async function scrape(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}
