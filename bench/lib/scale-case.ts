// One bench:scale case: N exports of N distinct disks, each disk attached to a running server of its own, all
// started at once on W fresh worker processes, after a few unmeasured warm-up exports. Everything it reports is
// read from outside the workers: the results, the simulator (oracle, event log), the workers' /proc and
// Prometheus endpoints.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startExport } from '../../src/export-client';
import type { SimServer } from '../../src/sim';
import type { Timings } from '../../src/sim/types';
import { processUsage, type ProcessUsage } from './process';
import { bucketQuantile, type HistogramSummary } from './scale-histograms';
import { bucketCeiling, maxInWindow, requestTimes } from './scale-rate';
import type { Target } from './scale-target';
import { histogramDiff, type HistogramKey, WorkerGroup } from './scale-workers';
import { type Counters, diff, readCounters } from './server-metrics';
import { lastSeq, settle, sleep, withTimeout } from './setup';
import { max, median, p95, perRunByOp, round, sum } from './stats';

export interface CaseParams {
  target: Target;
  client: Client;
  sim: SimServer;
  workers: number;
  n: number;
  sizeGb: number;
  /** Unmeasured exports per worker process before the measured ones, in rounds of one per worker. */
  warmupPerWorker: number;
  exportTimeoutS: number;
  /** The account's API budget, given to every worker (each takes its share: src/account-budget.ts). */
  apiRps: number;
  apiBurst: number;
  /** Worker settings (EVS_EXPORT_*), the budget's among them. */
  workerEnv: Record<string, string>;
  /** The built worker (lib/worker.js); undefined: src/worker.ts through tsx. */
  workerScript?: string;
  log: (line: string) => void;
}

export interface Outcome {
  outcome: 'done' | 'failed' | 'not-finished';
  durationMs?: number;
  failure?: string;
}

export interface CaseResult {
  target: string;
  workers: number;
  n: number;
  wallMs: number;
  exportsPerMinute: number;
  done: number;
  failed: number;
  notFinished: number;
  exportDurationMs: { median: number; p95: number; max: number };
  scheduleToStart: Record<HistogramKey, HistogramSummary>;
  /** The histogram names the workers exposed (checks the prefixes still match the SDK's). */
  histogramNames: string[];
  /** Workers whose metrics endpoint did not answer at the end. */
  metricsUnanswered: number;
  /** Peak RSS per worker during the measured part (MB), and their max and sum. */
  workerRssMb: (number | null)[];
  workerRssMaxMb: number | null;
  workerRssSumMb: number | null;
  workerCpuS: number | null;
  /** The Temporal server's CPU and persistence work (dev server only). */
  serverCpuS: number | null;
  serverPersistencePerExport: number | null;
  apiCalls: number;
  apiCallsPerExport: number;
  apiCallsByOpPerExport: Record<string, number>;
  /** Per server: downtime (oracle) over what the simulator's own stop + upload + start take. */
  intrinsicMs: number;
  downtimeOverIntrinsic: { median: number; p95: number; max: number };
  downtimeMs: { median: number; p95: number; max: number };
  p1Violations: number;
  serversNotRestored: number;
  duplicateExports: number;
  /** Requests the simulator answered in the busiest 1 s and 10 s windows, and the budget's ceiling for them. */
  maxRequestsIn1s: number;
  maxRequestsIn1sAt: string | null;
  maxRequestsPerSecondOver10s: number;
  budget: { rps: number; burst: number; ceiling1s: number; ceiling10sPerSecond: number };
  withinBudget: boolean;
  throttled429: number;
  /** The simulator's event log dropped events of this case (its cap): the rate figures are then a lower bound. */
  eventsTruncated: boolean;
  /** Workflows still running on the case's task queue when it was given up on (holds left behind). */
  workflowsLeftRunning: number;
  simSettled: boolean;
  failures: string[];
}

const summary3 = (xs: number[]) => ({ median: round(median(xs), 3), p95: round(p95(xs), 3), max: round(max(xs), 3) });

/** What the simulator needs anyway for one server: its stop, the upload of its disk, its start. */
export function intrinsicMs(t: Timings, sizeGb: number): number {
  return (t.stopMs ?? 0) + (t.uploadBaseMs ?? 0) + sizeGb * t.uploadMsPerGb + (t.startMs ?? 0);
}

function describeFailure(err: unknown): string {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'ApplicationFailure'}: ${cause.message}`;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** Workflows of any type (exports and their server holds) still running on the task queue. */
async function runningOn(client: Client, taskQueue: string): Promise<number> {
  const { count } = await client.workflow.count(`TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`);
  return count;
}

/** Waits until nothing runs on the task queue any more (visibility has no push: read every 500 ms), or the timeout. */
async function drained(client: Client, taskQueue: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await runningOn(client, taskQueue);
    if (n === 0 || Date.now() >= deadline) return n;
    await sleep(500);
  }
}

/** Seeds `count` running servers, each with one in-use disk of `sizeGb`. */
function seedPairs(p: CaseParams, prefix: string, count: number) {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  const seeded = p.sim.sim.seed({
    servers: names.map((name) => ({ name })),
    volumes: names.map((name) => ({ name: `${name}-data`, size: p.sizeGb, attachedTo: [name] })),
  });
  return { serverIds: seeded.servers.map((s) => s.id), volumeIds: seeded.volumes.map((v) => v.id) };
}

async function runExports(p: CaseParams, taskQueue: string, prefix: string, volumeIds: string[], deadline: number): Promise<Outcome[]> {
  return Promise.all(
    volumeIds.map(async (volumeId, i) => {
      const started = performance.now();
      let handle: Awaited<ReturnType<typeof startExport>>;
      try {
        handle = await startExport(p.client, taskQueue, { volumeId, imageName: `${prefix}-${i + 1}` });
      } catch (err) {
        // A start the server refused under load is the case's finding, not the harness's failure.
        return { outcome: 'failed' as const, failure: `start refused: ${describeFailure(err)}` };
      }
      const r = await withTimeout(
        handle.result().then(
          () => ({ ok: true as const }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        deadline - performance.now(),
      );
      const durationMs = round(performance.now() - started, 0);
      if (r === undefined) return { outcome: 'not-finished' as const };
      return r.ok ? { outcome: 'done' as const, durationMs } : { outcome: 'failed' as const, durationMs, failure: describeFailure(r.error) };
    }),
  );
}

export async function runCase(p: CaseParams): Promise<CaseResult> {
  const tag = `${p.target.name === 'cluster' ? 'c' : 'd'}${p.workers}w${p.n}-${randomUUID().slice(0, 8)}`;
  const taskQueue = `bench-scale-${tag}`;
  const admin = p.sim.sim;
  p.log(`${p.target.name}, ${p.workers} worker(s), N=${p.n}: starting the workers ...`);
  const group = await WorkerGroup.start({
    count: p.workers,
    temporalAddress: p.target.address,
    namespace: p.target.namespace,
    taskQueue,
    cloudEnv: p.sim.cloudEnv,
    env: p.workerEnv,
    ...(p.workerScript ? { script: p.workerScript } : {}),
  });
  try {
    // Rounds of one export per worker, one round after another: a worker learns a step's duration only from a
    // step it has seen end, so warm-ups all at once would teach it only the first, coarse reads of each step.
    for (let round = 1; round <= p.warmupPerWorker; round++) {
      const prefix = `scale-${tag}-warm${round}`;
      const warm = seedPairs(p, prefix, p.workers);
      await runExports(p, taskQueue, prefix, warm.volumeIds, performance.now() + p.exportTimeoutS * 1000);
      await drained(p.client, taskQueue, 60_000);
    }
    const { serverIds, volumeIds } = seedPairs(p, `scale-${tag}`, p.n);
    const mine = { servers: new Set(serverIds), volumes: new Set(volumeIds) };
    const since = lastSeq(admin);
    const before = { oracle: admin.oracle(), histograms: await group.histograms() };
    const serverBefore: Counters | undefined = p.target.metricsUrl ? await readCounters(p.target.metricsUrl) : undefined;
    const usage = group.watch();
    const serverUsage = processUsage(p.target.pid);

    p.log(`  ${p.n} exports ...`);
    const t0 = performance.now();
    const outcomes = await runExports(p, taskQueue, `scale-${tag}`, volumeIds, t0 + p.exportTimeoutS * 1000);
    const wallMs = performance.now() - t0;
    // The holds end once their server runs again; the images activate a little after the disks.
    const workflowsLeftRunning = await drained(p.client, taskQueue, 60_000);
    const simSettled = await settle(admin, 20_000);
    const rss = usage.stop();
    const serverCpu = serverUsage.stop();
    const serverWork = serverBefore && p.target.metricsUrl ? diff(await readCounters(p.target.metricsUrl), serverBefore) : undefined;
    const after = await group.histograms();
    const oracle = admin.oracle();
    const events = admin.events(since);

    const done = outcomes.filter((o) => o.outcome === 'done');
    const durations = outcomes.flatMap((o) => (o.durationMs === undefined ? [] : [o.durationMs]));
    const hist = histogramDiff(after, before.histograms);
    const intrinsic = intrinsicMs(admin.config().timings, p.sizeGb);
    const downtimes = serverIds.map((id) => oracle.servers[id]?.downtimeMs ?? 0);
    const calls = oracle.apiCalls.total - before.oracle.apiCalls.total;
    const byOp = perRunByOp(oracle.apiCalls.byOp, before.oracle.apiCalls.byOp, p.n);
    const times = requestTimes(events);
    const busiest = maxInWindow(times, 1000);
    const busiest10 = maxInWindow(times, 10_000);
    const budget = {
      rps: p.apiRps,
      burst: p.apiBurst,
      ceiling1s: bucketCeiling(p.apiRps, p.apiBurst, 1),
      ceiling10sPerSecond: bucketCeiling(p.apiRps, p.apiBurst, 10) / 10,
    };
    const usages = rss.filter((u): u is ProcessUsage => u !== null);
    const failures = outcomes.filter((o) => o.failure).map((o) => o.failure!);
    const notFinished = outcomes.filter((o) => o.outcome === 'not-finished').length;
    if (notFinished || failures.length || workflowsLeftRunning)
      p.log(`  worker output (last lines):\n${group.tails().map((t, i) => `  [worker ${i + 1}]\n    ${t.join('\n    ')}`).join('\n')}`);

    return {
      target: p.target.name,
      workers: p.workers,
      n: p.n,
      wallMs: round(wallMs, 0),
      exportsPerMinute: round(done.length / (wallMs / 60_000), 1),
      done: done.length,
      failed: failures.length,
      notFinished,
      exportDurationMs: { median: round(median(durations), 0), p95: round(p95(durations), 0), max: round(max(durations), 0) },
      scheduleToStart: { workflowTask: bucketQuantile(hist.workflowTask, 0.95), activity: bucketQuantile(hist.activity, 0.95) },
      histogramNames: after.names,
      metricsUnanswered: after.unanswered,
      workerRssMb: rss.map((u) => u?.peakRssMb ?? null),
      workerRssMaxMb: usages.length ? Math.max(...usages.map((u) => u.peakRssMb)) : null,
      workerRssSumMb: usages.length ? sum(usages.map((u) => u.peakRssMb)) : null,
      workerCpuS: usages.length ? round(sum(usages.map((u) => u.cpuS)), 1) : null,
      serverCpuS: serverCpu?.cpuS ?? null,
      serverPersistencePerExport: serverWork ? round((serverWork.persistence_requests ?? 0) / p.n, 1) : null,
      apiCalls: calls,
      apiCallsPerExport: round(calls / p.n, 2),
      apiCallsByOpPerExport: byOp,
      intrinsicMs: intrinsic,
      downtimeOverIntrinsic: summary3(downtimes.map((d) => d / intrinsic)),
      downtimeMs: summary3(downtimes),
      p1Violations: oracle.p1Violations.filter((v) => mine.volumes.has(v.volumeId)).length,
      serversNotRestored: oracle.serversNotRestored.filter((s) => mine.servers.has(s.serverId)).length,
      duplicateExports: oracle.duplicateExports.filter((d) => mine.volumes.has(d.volumeId)).length,
      maxRequestsIn1s: busiest.count,
      maxRequestsIn1sAt: Number.isFinite(busiest.at) ? new Date(busiest.at).toISOString() : null,
      maxRequestsPerSecondOver10s: round(busiest10.count / 10, 1),
      budget,
      withinBudget: busiest.count <= budget.ceiling1s && busiest10.count / 10 <= budget.ceiling10sPerSecond,
      throttled429: events.filter((e) => e.type === 'api.call' && e.status === 429).length,
      eventsTruncated: events.length > 0 && events[0].seq > since + 1,
      workflowsLeftRunning,
      simSettled,
      failures,
    };
  } finally {
    await group.stop();
  }
}
