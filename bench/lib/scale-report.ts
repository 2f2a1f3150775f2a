// bench:scale's figures: the repetitions of a case folded into one row (medians; what the promises forbid is
// summed), the issue's three goals, and the tables.
import type { CaseResult } from './scale-case';
import { fmt, table, verdict } from './report';
import { median } from './stats';

/** Counts that must be 0 or complete: summed over repetitions, never a median. */
const SUMMED: readonly (keyof CaseResult)[] = [
  'failed',
  'notFinished',
  'p1Violations',
  'serversNotRestored',
  'duplicateExports',
  'throttled429',
  'workflowsLeftRunning',
];

function foldValue(values: unknown[]): unknown {
  const first = values[0];
  if (typeof first === 'number') return median(values as number[]);
  if (first && typeof first === 'object' && !Array.isArray(first)) {
    const keys = Object.keys(first);
    return Object.fromEntries(keys.map((k) => [k, foldValue(values.map((v) => (v as Record<string, unknown>)[k]))]));
  }
  if (typeof first === 'boolean') return values.every(Boolean);
  return first;
}

/** One row from a case's repetitions: medians of the figures, sums of the counts the goals forbid, all the failures. */
export function foldRuns(runs: CaseResult[]): CaseResult {
  if (runs.length === 1) return runs[0];
  const out = foldValue(runs) as CaseResult;
  for (const k of SUMMED) (out[k] as number) = runs.reduce((a, r) => a + (r[k] as number), 0);
  out.done = median(runs.map((r) => r.done));
  out.failures = runs.flatMap((r) => r.failures);
  out.withinBudget = runs.every((r) => r.withinBudget);
  return out;
}

export interface Goal {
  goal: string;
  met: boolean | null;
  detail: string;
}

const clean = (c: CaseResult) => c.p1Violations === 0 && c.serversNotRestored === 0 && c.duplicateExports === 0;

export function goals(cases: CaseResult[], rssLimitMb: number): Goal[] {
  const out: Goal[] = [];
  const big = cases.filter((c) => c.workers === 1 && c.n === 1000);
  out.push({
    goal: `1000 concurrent exports on one worker: RSS < ${rssLimitMb} MB, 0 violations, every export done`,
    met: big.length ? big.every((c) => (c.workerRssMaxMb ?? Infinity) < rssLimitMb && clean(c) && c.done === c.n) : null,
    detail: big.length
      ? big
          .map(
            (c) =>
              `${c.target}: RSS ${c.workerRssMaxMb ?? '-'} MB, P1 ${c.p1Violations}, not restored ${c.serversNotRestored}, duplicates ${c.duplicateExports}, done ${c.done}/${c.n}`,
          )
          .join('; ')
      : '--sizes without 1000 or --workers without 1',
  });
  const groups = new Map<string, CaseResult[]>();
  for (const c of cases) groups.set(`${c.target}, ${c.workers} worker(s)`, [...(groups.get(`${c.target}, ${c.workers} worker(s)`) ?? []), c]);
  const flat = [...groups].flatMap(([name, cs]) => {
    const sorted = [...cs].sort((a, b) => a.n - b.n);
    if (sorted.length < 2) return [];
    const base = sorted[0].apiCallsPerExport;
    const worst = Math.max(...sorted.map((c) => Math.abs(c.apiCallsPerExport / base - 1)));
    return [{ name, ok: worst <= 0.1, text: `${name}: ${sorted.map((c) => `N=${c.n} ${fmt(c.apiCallsPerExport)}`).join(', ')} (worst ${(worst * 100).toFixed(1)} % from N=${sorted[0].n})` }];
  });
  out.push({
    goal: `API calls per export flat (±10 %) from the smallest N to the largest`,
    met: flat.length ? flat.every((f) => f.ok) : null,
    detail: flat.length ? flat.map((f) => f.text).join('; ') : 'needs two sizes',
  });
  const two = cases.filter((c) => c.workers === 2);
  out.push({
    goal: "the account's request rate never above its budget with 2 workers",
    met: two.length ? two.every((c) => c.withinBudget) : null,
    detail: two.length
      ? two
          .map(
            (c) =>
              `${c.target} N=${c.n}: ${c.maxRequestsIn1s} in 1 s (ceiling ${c.budget.ceiling1s}), ${fmt(c.maxRequestsPerSecondOver10s, 1)}/s over 10 s (ceiling ${fmt(c.budget.ceiling10sPerSecond, 1)})`,
          )
          .join('; ')
      : '--workers without 2',
  });
  return out;
}

const s = (ms: number) => fmt(ms / 1000, 1);
const p95s = (h: { p95: number; aboveLastBound: boolean; count: number }) =>
  h.count === 0 ? '-' : `${h.aboveLastBound ? '>' : ''}${h.p95 < 1 ? h.p95.toFixed(3) : h.p95.toFixed(2)}`;

export function caseTables(cases: CaseResult[]): string[] {
  return [
    table(
      [
        'target',
        'workers',
        'N',
        'done/N',
        'wall s',
        'exports/min',
        'export s p50/p95',
        'WFT s2s p95 s',
        'act s2s p95 s',
        'RSS max/sum MB',
        'API calls/export',
        'down/intrinsic p50/p95',
        'P1/not restored/dup',
      ],
      cases.map((c) => [
        c.target,
        c.workers,
        c.n,
        `${c.done}/${c.n}`,
        s(c.wallMs),
        c.exportsPerMinute,
        `${s(c.exportDurationMs.median)}/${s(c.exportDurationMs.p95)}`,
        p95s(c.scheduleToStart.workflowTask),
        p95s(c.scheduleToStart.activity),
        `${c.workerRssMaxMb ?? '-'}/${c.workerRssSumMb ?? '-'}`,
        c.apiCallsPerExport,
        `${c.downtimeOverIntrinsic.median.toFixed(2)}/${c.downtimeOverIntrinsic.p95.toFixed(2)}`,
        `${c.p1Violations}/${c.serversNotRestored}/${c.duplicateExports}`,
      ]),
    ),
    '',
    'request rate at the simulator (every API call of the case, tokens and holds included):',
    table(
      ['target', 'workers', 'N', 'max req in 1 s', 'budget 1 s (rps+burst)', 'max req/s over 10 s', 'budget 10 s', '429s', 'within budget'],
      cases.map((c) => [
        c.target,
        c.workers,
        c.n,
        `${c.maxRequestsIn1s}${c.eventsTruncated ? ' (event log cut)' : ''}`,
        c.budget.ceiling1s,
        fmt(c.maxRequestsPerSecondOver10s, 1),
        fmt(c.budget.ceiling10sPerSecond, 1),
        c.throttled429,
        c.withinBudget ? 'yes' : 'NO',
      ]),
    ),
  ];
}

export function goalLines(gs: Goal[]): string[] {
  return gs.map((g) => `goal: ${g.goal}: ${g.met === null ? 'not measured' : verdict(g.met)} — ${g.detail}`);
}
