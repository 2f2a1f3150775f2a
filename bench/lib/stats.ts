// Order statistics for small samples (medians over repetitions on a noisy 2-core machine).

/** The q-quantile (0..1) by linear interpolation between closest ranks; NaN for an empty sample. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (xs: readonly number[]) => quantile(xs, 0.5);
export const p95 = (xs: readonly number[]) => quantile(xs, 0.95);
export const min = (xs: readonly number[]) => (xs.length ? Math.min(...xs) : NaN);
export const max = (xs: readonly number[]) => (xs.length ? Math.max(...xs) : NaN);
export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export function summarize(xs: readonly number[]): Summary {
  return { n: xs.length, median: round(median(xs)), p95: round(p95(xs)), min: round(min(xs)), max: round(max(xs)) };
}

/** Rounds to `digits` decimals (JSON output stays readable). */
export function round(x: number, digits = 1): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Calls per run by operation between two readings of the simulator's counts (`oracle().apiCalls.byOp`). */
export function perRunByOp(after: Record<string, number>, before: Record<string, number>, runs: number): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([op, c]) => [op, round((c - (before[op] ?? 0)) / runs, 2)]));
}
