// bench:concurrency — K exports of different disks over a small set of shared servers (each server has a system
// disk and a data disk; the other disks are multiattach disks shared by 2–3 servers, so most exports need
// overlapping server sets), all started at once on one in-process worker, versus the same K exports one after
// another. Servers are stopped and restarted by the per-server hold workflows (src/workflows/server-hold.ts),
// reference-counted across the runs that need them (P4). Reported per mode: wall time, and per server the stops,
// starts, down intervals and downtime the simulator's oracle counted; P1 violations, servers not restored; and,
// from the holds' own histories, whether a server was stopped twice or restarted while some run still held it;
// exports per minute and the worker process's peak RSS and CPU time.
//
//   npm run bench:concurrency [-- --k 20 --servers 4 --runs 3 --seed 1 --json]
//   npm run bench:concurrency -- --k 500 --servers 200 --modes concurrent --runs 1 --api-rps 2000 --api-burst 2000
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { Client, Connection, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_POLL } from '../src/activities/poll';
import { DEFAULT_RATE_LIMIT } from '../src/cloud/ratelimit';
import { startDevServer } from '../src/dev/dev-server';
import { spawnWorker } from '../src/dev/worker-process';
import { type ExportHandle, startExport } from '../src/export-client';
import { createSim } from '../src/sim';
import { Rng } from '../src/sim/model/rng';
import type { P1Violation, SimEvent, SimHandle, Timings } from '../src/sim/types';
import { DEFAULT_LIMITS } from '../src/worker-limits';
import { type HoldView, holdQuery, holdWorkflowId, progressQuery } from '../src/workflows/api';
import { parseFlags, SIM_TIMING_FLAGS, simTimings, UsageError } from './lib/flags';
import { checkAgainstNeed, needPeriods, readHoldHistory } from './lib/holds';
import { fmt, ratio, table, verdict, versionLines, versions } from './lib/report';
import { processUsage, type ProcessUsage } from './lib/process';
import { type Counters, diff, metricsEndpoint, readCounters } from './lib/server-metrics';
import { lastSeq, onShutdown, runBench, settle, sleep, withTimeout } from './lib/setup';
import { median, perRunByOp, round, sum, summarize } from './lib/stats';

const flags = parseFlags('bench:concurrency', 'K exports over shared servers: all at once (per-server holds) vs. one after another', {
  k: { kind: 'int', default: 20, help: 'exports per mode, each of its own disk' },
  servers: { kind: 'int', default: 4, help: 'servers the disks are attached to' },
  runs: { kind: 'int', default: 3, help: 'measured repetitions of each mode' },
  warmup: { kind: 'int', default: 1, help: 'unmeasured single-disk exports first (worker start, first token, JIT)' },
  seed: { kind: 'int', default: 1, help: 'seeds the topology (which disk on which servers, sizes, order) and the simulator' },
  json: { kind: 'boolean', default: false, help: 'print one JSON object instead of the tables' },
  'min-gb': { kind: 'int', default: 10, help: 'smallest disk' },
  'max-gb': { kind: 'int', default: 30, help: 'largest disk' },
  ...SIM_TIMING_FLAGS,
  'export-timeout-s': { kind: 'int', default: 300, help: 'an export not finished this long after its start counts as not finished' },
  'api-rps': { kind: 'number', default: 0, help: "the worker's API budget, requests/s (EVS_EXPORT_API_RPS); 0 = the client's default" },
  'api-burst': { kind: 'int', default: 0, help: "the worker's API burst (EVS_EXPORT_API_BURST); 0 = the client's default" },
  'activity-slots': { kind: 'int', default: 0, help: "the worker's activity slots (EVS_EXPORT_ACTIVITY_SLOTS); 0 = its default" },
  'workflow-task-slots': {
    kind: 'int',
    default: 0,
    help: "the worker's workflow task slots (EVS_EXPORT_WORKFLOW_TASK_SLOTS); 0 = its default",
  },
  'max-cached-workflows': {
    kind: 'int',
    default: 0,
    help: "the worker's workflow cache (EVS_EXPORT_MAX_CACHED_WORKFLOWS); 0 = its default",
  },
  admission: {
    kind: 'string',
    default: '',
    help: "admission before stopping servers (EVS_EXPORT_ADMISSION): off, auto or exports per second; '' = the worker's default",
  },
  'stagger-ms': {
    kind: 'int',
    default: 0,
    help: 'concurrent mode: start export i at i × this instead of all at once (for exploring hold hand-overs)',
  },
  'events-file': {
    kind: 'string',
    default: '',
    help: "write every run's simulator events (API calls, state changes) here as JSON lines, for studying the timeline",
  },
  modes: {
    kind: 'string',
    default: 'sequential,concurrent',
    help: 'comma-separated: sequential, concurrent (one alone for exploring; the ratios need both)',
  },
});

type Mode = 'sequential' | 'concurrent';
const ALL_MODES: readonly Mode[] = ['sequential', 'concurrent'];
const MODES = flags.modes
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean) as Mode[];

/** One disk of the topology; `servers` are indices into the server list. */
interface DiskShape {
  key: string;
  kind: 'system' | 'data' | 'shared';
  sizeGb: number;
  servers: number[];
}

/**
 * Each server a system disk and a data disk (the first K of them, system disks first), the rest multiattach
 * disks on 2 or 3 random servers; sizes uniform in [min-gb, max-gb]; then the whole list shuffled: that order is
 * the sequential order and the order the concurrent mode starts them in.
 */
function topology(rng: Rng, k: number, n: number): DiskShape[] {
  const size = () => flags['min-gb'] + Math.floor(rng.next() * (flags['max-gb'] - flags['min-gb'] + 1));
  const own: DiskShape[] = [
    ...Array.from({ length: n }, (_, i): DiskShape => ({ key: `srv${i + 1}-sys`, kind: 'system', sizeGb: size(), servers: [i] })),
    ...Array.from({ length: n }, (_, i): DiskShape => ({ key: `srv${i + 1}-data`, kind: 'data', sizeGb: size(), servers: [i] })),
  ].slice(0, k);
  const shared: DiskShape[] = [];
  for (let j = 0; own.length + shared.length < k; j++) {
    if (n < 2) {
      shared.push({ key: `srv1-data${j + 2}`, kind: 'data', sizeGb: size(), servers: [0] });
      continue;
    }
    const count = n >= 3 && rng.next() < 0.5 ? 3 : 2;
    const pool = Array.from({ length: n }, (_, i) => i);
    shuffle(rng, pool);
    shared.push({ key: `shared${j + 1}`, kind: 'shared', sizeGb: size(), servers: pool.slice(0, count).sort((a, b) => a - b) });
  }
  const disks = [...own, ...shared];
  shuffle(rng, disks);
  return disks;
}

function shuffle<T>(rng: Rng, xs: T[]): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
}

interface ExportOutcome {
  disk: string;
  outcome: 'done' | 'failed' | 'not-finished';
  durationMs?: number;
  failureType?: string;
  failureMessage?: string;
  /** Not-finished exports: where they were when given up on. */
  phase?: string;
}

interface ServerFigures {
  server: string;
  serverId: string;
  /** Exports (disks) that need this server stopped. */
  exports: number;
  /** The simulator's lower bound for this server's downtime in this mode (see README). */
  intrinsicMs: number;
  stops: number;
  starts: number;
  downIntervals: number;
  downtimeMs: number;
  /** Runs of its hold workflow, and the maximal periods in which some export held it. */
  holdSessions: number;
  needPeriods: number;
  extraStopsWhileHeld: number;
  restartsWhileHeld: number;
  stopsWhileNotHeld: number;
  restartsWhileHeldAt: string[];
  stopsWhileNotHeldAt: string[];
  notRestored: boolean;
  /** Where the downtime went, summed over the server's down intervals (ms, from the simulator's event log). */
  breakdown: Breakdown;
}

/**
 * Per down interval: stop = server.stopping→stopped; toUpload = stopped→the first upload (volume.uploading) of a
 * disk on this server within the interval; uploads = that → the last such disk's volume.released; toStart =
 * →server.starting; start = starting→started. They add up to the downtime.
 */
interface Breakdown {
  stop: number;
  toUpload: number;
  uploads: number;
  toStart: number;
  start: number;
}
const BREAKDOWN_KEYS: readonly (keyof Breakdown)[] = ['stop', 'toUpload', 'uploads', 'toStart', 'start'];

function breakdownOf(events: SimEvent[], serverId: string, volumeIds: Set<string>): Breakdown {
  const out: Breakdown = { stop: 0, toUpload: 0, uploads: 0, toStart: 0, start: 0 };
  const t = (e: SimEvent) => Date.parse(e.at);
  const mine = events.filter((e) => e.serverId === serverId);
  for (const stopping of mine.filter((e) => e.type === 'server.stopping')) {
    const stopped = mine.find((e) => e.type === 'server.stopped' && e.seq > stopping.seq);
    const starting = mine.find((e) => e.type === 'server.starting' && e.seq > stopping.seq);
    const started = mine.find((e) => e.type === 'server.started' && e.seq > stopping.seq);
    if (!stopped || !starting || !started) continue;
    const inInterval = (e: SimEvent) => e.seq > stopped.seq && e.seq < starting.seq && volumeIds.has(e.volumeId as string);
    const uploading = events.filter((e) => e.type === 'volume.uploading' && inInterval(e));
    const released = events.filter((e) => e.type === 'volume.released' && inInterval(e));
    const first = uploading[0] ? t(uploading[0]) : t(stopped);
    const last = released.at(-1) ? t(released.at(-1)!) : first;
    out.stop += t(stopped) - t(stopping);
    out.toUpload += first - t(stopped);
    out.uploads += last - first;
    out.toStart += t(starting) - last;
    out.start += t(started) - t(starting);
  }
  return out;
}

/** Requests the simulator got while at least one of these servers was down (stopping → started). */
function callsWhileDown(events: SimEvent[], serverIds: Set<string>): number {
  let down = 0;
  let calls = 0;
  for (const e of events) {
    if (e.type === 'api.call' && down > 0) calls++;
    else if (e.type === 'server.stopping' && serverIds.has(e.serverId as string)) down++;
    else if (e.type === 'server.started' && serverIds.has(e.serverId as string)) down--;
  }
  return calls;
}

interface ModeRun {
  mode: Mode;
  rep: number;
  wallMs: number;
  /** Exports that ended done, per minute of wall time. */
  exportsPerMinute: number;
  /** The worker process during this run: peak resident memory and CPU time (null where /proc is missing). */
  worker: ProcessUsage | null;
  /** The same for the Temporal dev server, and for this process (the simulator and the clients). */
  temporal: ProcessUsage | null;
  bench: ProcessUsage | null;
  /** What the Temporal server did for this run, per export: persistence requests and RPCs served, by operation. */
  serverWorkPerExport: Counters;
  exports: ExportOutcome[];
  servers: ServerFigures[];
  p1Violations: P1Violation[];
  serversNotRestored: string[];
  /** Hold workflows still running once every export had ended (+ up to 30 s), with what they said. */
  holdsLeftRunning: { server: string; view?: HoldView }[];
  /** Every HTTP request the simulator got during the mode (the exports, their holds, token requests). */
  apiCalls: number;
  /** The same by operation, per export. */
  apiCallsByOpPerExport: Record<string, number>;
  /** Requests made while at least one of the servers was down (between a stop and its restart's end). */
  apiCallsWhileDown: number;
  simSettled: boolean;
}

const uploadMs = (t: Timings, d: DiskShape) => (t.uploadBaseMs ?? 0) + d.sizeGb * t.uploadMsPerGb;

/**
 * What the simulator needs anyway for a server: one after another, a stop + upload + start per disk that needs
 * it; all at once, at best one stop, the longest upload of those disks and one start.
 */
function intrinsicMs(t: Timings, mode: Mode, disks: DiskShape[]): number {
  if (disks.length === 0) return 0;
  const stopStart = (t.stopMs ?? 0) + (t.startMs ?? 0);
  if (mode === 'sequential') return sum(disks.map((d) => stopStart + uploadMs(t, d)));
  return stopStart + Math.max(...disks.map((d) => uploadMs(t, d)));
}

function failureOf(err: unknown): { failureType: string; failureMessage: string } {
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { failureType: cause.type ?? 'ApplicationFailure', failureMessage: cause.message };
  return {
    failureType: cause instanceof Error ? cause.name : typeof cause,
    failureMessage: cause instanceof Error ? cause.message : String(cause),
  };
}

async function main(): Promise<void> {
  if (flags.k < 1 || flags.servers < 1 || flags.runs < 1) throw new UsageError('--k, --servers and --runs must be at least 1');
  for (const m of MODES)
    if (!ALL_MODES.includes(m)) throw new UsageError(`--modes: unknown mode ${JSON.stringify(m)}; known: ${ALL_MODES.join(', ')}`);
  if (MODES.length === 0) throw new UsageError('--modes: name at least one mode');
  if (flags['min-gb'] < 1 || flags['max-gb'] < flags['min-gb']) throw new UsageError('--min-gb must be at least 1 and at most --max-gb');
  const v = versions();
  const startedAt = new Date().toISOString();
  const log = (line: string) => {
    if (!flags.json) process.stderr.write(`${line}\n`);
  };

  log('starting a Temporal dev server, the simulator and a worker process ...');
  const metrics = await metricsEndpoint();
  const temporal = await startDevServer({ extraArgs: metrics.args });
  onShutdown(() => temporal.stop());
  const sim = await createSim({
    seed: flags.seed,
    config: { timings: simTimings(flags) },
  });
  onShutdown(() => sim.close());
  const admin: SimHandle = sim.sim;
  const timings = admin.config().timings;

  const setting = (flag: number, name: string) => (flag ? { [name]: String(flag) } : {});
  const workerEnv = {
    ...setting(flags['api-rps'], 'EVS_EXPORT_API_RPS'),
    ...setting(flags['api-burst'], 'EVS_EXPORT_API_BURST'),
    ...setting(flags['activity-slots'], 'EVS_EXPORT_ACTIVITY_SLOTS'),
    ...setting(flags['workflow-task-slots'], 'EVS_EXPORT_WORKFLOW_TASK_SLOTS'),
    ...setting(flags['max-cached-workflows'], 'EVS_EXPORT_MAX_CACHED_WORKFLOWS'),
    ...(flags.admission ? { EVS_EXPORT_ADMISSION: flags.admission } : {}),
  };
  const taskQueue = `bench-concurrency-${randomUUID()}`;
  // The worker as users run it (src/worker.ts in its own process), with its default poll policy; holds run on it too.
  const worker = spawnWorker({
    temporalAddress: temporal.address,
    namespace: temporal.namespace,
    taskQueue,
    cloudEnv: sim.cloudEnv,
    env: workerEnv,
  });
  onShutdown(() => worker.kill('SIGTERM'));
  await worker.ready;
  const connection = await Connection.connect({ address: temporal.address });
  onShutdown(() => connection.close());
  const client = new Client({ connection, namespace: temporal.namespace });

  const disks = topology(new Rng(flags.seed), flags.k, flags.servers);
  const serverNames = Array.from({ length: flags.servers }, (_, i) => `srv${i + 1}`);
  const disksOf = (i: number) => disks.filter((d) => d.servers.includes(i));

  async function awaitOutcome(disk: DiskShape, handle: ExportHandle, t0: number): Promise<ExportOutcome> {
    const r = await withTimeout(
      handle.result().then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      flags['export-timeout-s'] * 1000 - (performance.now() - t0),
    );
    if (r === undefined) {
      const phase =
        (await withTimeout(
          handle.query(progressQuery).then(
            (p) => p.phase,
            () => 'no answer',
          ),
          5000,
        )) ?? 'no answer';
      return { disk: disk.key, outcome: 'not-finished', phase };
    }
    const durationMs = round(performance.now() - t0, 0);
    return r.ok
      ? { disk: disk.key, outcome: 'done', durationMs }
      : { disk: disk.key, outcome: 'failed', durationMs, ...failureOf(r.error) };
  }

  /** Waits until no hold workflow of these servers runs (or `timeoutMs`); returns the servers whose hold still runs. */
  async function holdsClosed(serverIds: string[], timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const open: string[] = [];
      for (const id of serverIds) {
        try {
          const d = await client.workflow.getHandle(holdWorkflowId(id)).describe();
          if (d.status.name === 'RUNNING') open.push(id);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      if (open.length === 0 || Date.now() >= deadline) return open;
      await sleep(250);
    }
  }

  async function runMode(mode: Mode, rep: number): Promise<ModeRun> {
    const tag = `${mode === 'sequential' ? 's' : 'c'}${rep}`;
    const names = serverNames.map((n) => `${tag}-${n}`);
    const seeded = admin.seed({
      servers: names.map((name) => ({ name })),
      volumes: disks.map((d) => ({
        name: `${tag}-${d.key}`,
        size: d.sizeGb,
        bootable: d.kind === 'system',
        multiattach: d.servers.length > 1,
        attachedTo: d.servers.map((i) => names[i]),
      })),
    });
    const serverIds = seeded.servers.map((s) => s.id);
    const volumeIds = new Set(seeded.volumes.map((x) => x.id));
    const since = lastSeq(admin);
    const callsBefore = admin.oracle().apiCalls.total;
    const byOpBefore = { ...admin.oracle().apiCalls.byOp };
    const input = (i: number) => ({ volumeId: seeded.volumes[i].id, imageName: `bench-concurrency-${tag}-${disks[i].key}` });

    const countersBefore = await readCounters(metrics.url);
    const usage = processUsage(worker.child.pid);
    const temporalUsage = processUsage(temporal.pid);
    const benchUsage = processUsage(process.pid);
    const t0 = performance.now();
    let exports: ExportOutcome[];
    if (mode === 'concurrent') {
      exports = await Promise.all(
        disks.map(async (d, i) => {
          if (flags['stagger-ms']) await sleep(i * flags['stagger-ms']);
          const started = performance.now();
          return awaitOutcome(d, await startExport(client, taskQueue, input(i)), started);
        }),
      );
    } else {
      exports = [];
      for (let i = 0; i < disks.length; i++) {
        const started = performance.now();
        exports.push(await awaitOutcome(disks[i], await startExport(client, taskQueue, input(i)), started));
      }
    }
    const wallMs = performance.now() - t0;
    const workerUsage = usage.stop();
    const serverUsage = temporalUsage.stop();
    const ownUsage = benchUsage.stop();
    const serverWork = diff(await readCounters(metrics.url), countersBefore);

    // The holds end once nobody holds their server; the images activate a little after the disks.
    const open = await holdsClosed(serverIds, 30_000);
    const simSettled = await settle(admin, 20_000);
    const oracle = admin.oracle();
    const events = admin.events(since);
    if (flags['events-file']) appendFileSync(flags['events-file'], events.map((e) => `${JSON.stringify({ run: tag, ...e })}\n`).join(''));
    const holdsLeftRunning = await Promise.all(
      open.map(async (id) => ({
        server: serverNames[serverIds.indexOf(id)],
        view: await withTimeout(
          client.workflow
            .getHandle(holdWorkflowId(id))
            .query(holdQuery)
            .catch(() => undefined),
          5000,
        ),
      })),
    );
    const servers: ServerFigures[] = [];
    for (let i = 0; i < serverIds.length; i++) {
      const id = serverIds[i];
      const tally = oracle.servers[id] ?? { stops: 0, starts: 0, downtimeMs: 0, downIntervals: [] };
      const holds = await readHoldHistory(client, id);
      const check = checkAgainstNeed(
        needPeriods(holds.updates),
        events.filter((e) => e.serverId === id && (e.type === 'server.stopping' || e.type === 'server.starting')),
      );
      servers.push({
        server: serverNames[i],
        serverId: id,
        exports: disksOf(i).length,
        intrinsicMs: intrinsicMs(timings, mode, disksOf(i)),
        stops: tally.stops,
        starts: tally.starts,
        downIntervals: tally.downIntervals.length,
        downtimeMs: round(tally.downtimeMs, 0),
        holdSessions: holds.sessions,
        ...check,
        notRestored: oracle.serversNotRestored.some((s) => s.serverId === id),
        breakdown: breakdownOf(events, id, new Set(disksOf(i).map((d) => seeded.volumes[disks.indexOf(d)].id))),
      });
    }
    return {
      mode,
      rep,
      wallMs: round(wallMs, 0),
      exportsPerMinute: round(exports.filter((e) => e.outcome === 'done').length / (wallMs / 60_000), 1),
      worker: workerUsage,
      temporal: serverUsage,
      bench: ownUsage,
      serverWorkPerExport: Object.fromEntries(Object.entries(serverWork).map(([k, v]) => [k, round(v / exports.length, 1)])),
      exports,
      servers,
      p1Violations: oracle.p1Violations.filter((x) => volumeIds.has(x.volumeId)),
      serversNotRestored: oracle.serversNotRestored
        .filter((s) => serverIds.includes(s.serverId))
        .map((s) => `${serverNames[serverIds.indexOf(s.serverId)]}: ${s.now}`),
      holdsLeftRunning,
      apiCalls: oracle.apiCalls.total - callsBefore,
      apiCallsByOpPerExport: perRunByOp(oracle.apiCalls.byOp, byOpBefore, exports.length),
      apiCallsWhileDown: callsWhileDown(events, new Set(serverIds)),
      simSettled,
    };
  }

  for (let w = 0; w < flags.warmup; w++) {
    const seeded = admin.seed({
      servers: [{ name: `warmup${w}-srv` }],
      volumes: [{ name: `warmup${w}-disk`, size: 1, attachedTo: [`warmup${w}-srv`] }],
    });
    const handle = await startExport(client, taskQueue, { volumeId: seeded.volumes[0].id, imageName: `bench-concurrency-warmup-${w}` });
    const r = await awaitOutcome({ key: 'warmup', kind: 'data', sizeGb: 1, servers: [0] }, handle, performance.now());
    log(`  warm-up export ${w + 1}/${flags.warmup}: ${r.outcome}${r.failureMessage ? ` (${r.failureMessage})` : ''}`);
  }

  const results: ModeRun[] = [];
  for (let rep = 0; rep < flags.runs; rep++) {
    // Alternating which mode goes first, so drift on the machine hits both alike.
    for (const mode of rep % 2 === 0 ? MODES : [...MODES].reverse()) {
      log(`  run ${rep + 1}/${flags.runs} ${mode}: ${flags.k} exports over ${flags.servers} servers ...`);
      const r = await runMode(mode, rep);
      results.push(r);
      const count = (o: ExportOutcome['outcome']) => r.exports.filter((e) => e.outcome === o).length;
      log(
        `    ${fmt(r.wallMs / 1000, 1)} s (${r.exportsPerMinute} exports/min); done ${count('done')}, failed ${count('failed')}, not finished ${count('not-finished')}; ` +
          `server per export: ${r.serverWorkPerExport.persistence_requests ?? '-'} persistence requests, ${r.serverWorkPerExport.service_requests ?? '-'} RPCs; ` +
          (r.worker
            ? `worker RSS peak ${r.worker.peakRssMb} MB; CPU s: worker ${r.worker.cpuS}, Temporal ${r.temporal?.cpuS ?? '-'}, simulator+clients ${r.bench?.cpuS ?? '-'}; `
            : '') +
          `stops ${r.servers.map((s) => s.stops).join('/')}, downtime ${r.servers.map((s) => fmt(s.downtimeMs / 1000, 1)).join('/')} s; ` +
          `API calls ${r.apiCalls} (${r.apiCallsWhileDown} while a server was down); ` +
          `P1 ${r.p1Violations.length}, not restored ${r.serversNotRestored.length}, holds left ${r.holdsLeftRunning.length}`,
      );
    }
  }

  const modes = Object.fromEntries(MODES.map((m) => [m, summarizeMode(results.filter((r) => r.mode === m))])) as Partial<
    Record<Mode, ModeSummary>
  >;
  const { sequential: seq, concurrent: conc } = modes;
  const output = {
    bench: 'concurrency',
    startedAt,
    versions: v,
    params: {
      k: flags.k,
      servers: flags.servers,
      runs: flags.runs,
      warmup: flags.warmup,
      seed: flags.seed,
      sizeGb: [flags['min-gb'], flags['max-gb']],
      exportTimeoutS: flags['export-timeout-s'],
      staggerMs: flags['stagger-ms'],
      apiBudget: {
        requestsPerSecond: flags['api-rps'] || DEFAULT_RATE_LIMIT.requestsPerSecond,
        burst: flags['api-burst'] || DEFAULT_RATE_LIMIT.burst,
      },
      workerLimits: {
        activitySlots: flags['activity-slots'] || DEFAULT_LIMITS.activitySlots,
        urgentActivitySlots: DEFAULT_LIMITS.urgentActivitySlots,
        workflowTaskSlots: flags['workflow-task-slots'] || DEFAULT_LIMITS.workflowTaskSlots,
        maxCachedWorkflows: flags['max-cached-workflows'] || DEFAULT_LIMITS.maxCachedWorkflows,
      },
      timings,
      workerPoll: { ...DEFAULT_POLL, source: 'default (src/activities/poll.ts DEFAULT_POLL)' },
    },
    topology: {
      disks: disks.map((d) => ({ key: d.key, kind: d.kind, sizeGb: d.sizeGb, servers: d.servers.map((i) => serverNames[i]) })),
      exportsPerServer: serverNames.map((s, i) => ({ server: s, exports: disksOf(i).length })),
    },
    modes,
    concurrentOverSequential:
      seq && conc
        ? {
            wall: round(conc.wallMs.median / seq.wallMs.median, 4),
            totalDowntime: round(conc.totalDowntimeMs.median / seq.totalDowntimeMs.median, 4),
          }
        : null,
    goals: {
      statement:
        'per mode: 0 P1 violations, 0 servers not restored, every export done, 0 holds left running, 0 extra stops or restarts while held, 0 stops while not held',
      met: Object.fromEntries(MODES.map((m) => [m, goalMet(modes[m]!)])),
    },
    runs: results,
  };
  if (flags.json) {
    console.log(JSON.stringify(output, null, 2));
    return;
  }
  printHuman(output);
}

type ModeSummary = ReturnType<typeof summarizeMode>;

function summarizeMode(runs: ModeRun[]) {
  const total = (f: (s: ServerFigures) => number) => runs.map((r) => sum(r.servers.map(f)));
  const count = (o: ExportOutcome['outcome']) => sum(runs.map((r) => r.exports.filter((e) => e.outcome === o).length));
  const perServer = runs[0].servers.map((first, i) => {
    const med = (f: (s: ServerFigures) => number) => median(runs.map((r) => f(r.servers[i])));
    return {
      server: first.server,
      exports: first.exports,
      intrinsicMs: first.intrinsicMs,
      stops: med((s) => s.stops),
      starts: med((s) => s.starts),
      downIntervals: med((s) => s.downIntervals),
      downtimeMs: round(
        med((s) => s.downtimeMs),
        0,
      ),
      needPeriods: med((s) => s.needPeriods),
      /** Over all runs (not medians): what the goals forbid. */
      extraStopsWhileHeld: sum(runs.map((r) => r.servers[i].extraStopsWhileHeld)),
      restartsWhileHeld: sum(runs.map((r) => r.servers[i].restartsWhileHeld)),
      stopsWhileNotHeld: sum(runs.map((r) => r.servers[i].stopsWhileNotHeld)),
      breakdownMs: Object.fromEntries(
        BREAKDOWN_KEYS.map((k) => [
          k,
          round(
            med((s) => s.breakdown[k]),
            0,
          ),
        ]),
      ) as unknown as Breakdown,
    };
  });
  return {
    runs: runs.length,
    wallMs: summarize(runs.map((r) => r.wallMs)),
    exportsPerMinute: round(median(runs.map((r) => r.exportsPerMinute)), 1),
    workerPeakRssMb: runs.every((r) => r.worker) ? Math.max(...runs.map((r) => r.worker!.peakRssMb)) : null,
    workerCpuS: runs.every((r) => r.worker) ? round(median(runs.map((r) => r.worker!.cpuS)), 1) : null,
    temporalCpuS: runs.every((r) => r.temporal) ? round(median(runs.map((r) => r.temporal!.cpuS)), 1) : null,
    serverPersistencePerExport: round(median(runs.map((r) => r.serverWorkPerExport.persistence_requests ?? 0)), 1),
    benchCpuS: runs.every((r) => r.bench) ? round(median(runs.map((r) => r.bench!.cpuS)), 1) : null,
    exportDurationMs: summarize(runs.flatMap((r) => r.exports.map((e) => e.durationMs).filter((d): d is number => d !== undefined))),
    totalDowntimeMs: summarize(total((s) => s.downtimeMs)),
    totalIntrinsicMs: sum(perServer.map((s) => s.intrinsicMs)),
    totalStops: median(total((s) => s.stops)),
    totalStarts: median(total((s) => s.starts)),
    totalDownIntervals: median(total((s) => s.downIntervals)),
    totalNeedPeriods: median(total((s) => s.needPeriods)),
    apiCallsPerExport: round(median(runs.map((r) => r.apiCalls / r.exports.length))),
    overIntrinsic: overIntrinsic(runs, perServer),
    exports: { done: count('done'), failed: count('failed'), notFinished: count('not-finished') },
    /** Sums over all runs: what the goals forbid. */
    p1Violations: sum(runs.map((r) => r.p1Violations.length)),
    serversNotRestored: sum(runs.map((r) => r.serversNotRestored.length)),
    holdsLeftRunning: sum(runs.map((r) => r.holdsLeftRunning.length)),
    extraStopsWhileHeld: sum(perServer.map((s) => s.extraStopsWhileHeld)),
    restartsWhileHeld: sum(perServer.map((s) => s.restartsWhileHeld)),
    stopsWhileNotHeld: sum(perServer.map((s) => s.stopsWhileNotHeld)),
    simSettled: runs.every((r) => r.simSettled),
    perServer,
    failures: runs.flatMap((r) => r.exports.filter((e) => e.outcome !== 'done').map((e) => ({ rep: r.rep, ...e }))),
    anomalies: runs.flatMap((r) => [
      ...r.p1Violations.map((p) => ({ rep: r.rep, what: 'P1 violation', detail: JSON.stringify(p) })),
      ...r.serversNotRestored.map((s) => ({ rep: r.rep, what: 'not restored', detail: s })),
      ...r.holdsLeftRunning.map((h) => ({
        rep: r.rep,
        what: 'hold left running',
        detail: `${h.server}: ${h.view ? `${h.view.status}, holders ${h.view.holders.map((x) => x.workflowId).join(', ') || 'none'}${h.view.attention.length ? `, attention: ${h.view.attention.join('; ')}` : ''}` : 'no answer'}`,
      })),
      ...r.servers.flatMap((s) => [
        ...s.restartsWhileHeldAt.map((at) => ({ rep: r.rep, what: 'restart begun while held', detail: `${s.server} at ${at}` })),
        ...s.stopsWhileNotHeldAt.map((at) => ({ rep: r.rep, what: 'stop while not held', detail: `${s.server} at ${at}` })),
        ...(s.extraStopsWhileHeld
          ? [{ rep: r.rep, what: 'stopped again while held', detail: `${s.server}: ${s.stops} stops in ${s.needPeriods} need period(s)` }]
          : []),
      ]),
    ]),
  };
}

/** The downtime goal (issue 14): each server's downtime (median over runs) within 1 s of its intrinsic time. */
const GOAL_OVER_INTRINSIC_MS = 1000;

/** Downtime over intrinsic: per server (the goal), and over every server of every run (its spread). */
function overIntrinsic(runs: ModeRun[], perServer: { downtimeMs: number; intrinsicMs: number }[]) {
  const perServerMs = perServer.map((x) => round(x.downtimeMs - x.intrinsicMs, 0));
  const everyMs = runs.flatMap((r) => r.servers.map((x) => x.downtimeMs - x.intrinsicMs));
  return {
    perServerMedianMs: perServerMs,
    goalMs: GOAL_OVER_INTRINSIC_MS,
    met: perServerMs.every((d) => d <= GOAL_OVER_INTRINSIC_MS),
    serverRuns: { withinGoal: everyMs.filter((d) => d <= GOAL_OVER_INTRINSIC_MS).length, ...summarize(everyMs) },
  };
}

function goalMet(m: ModeSummary): boolean {
  return (
    m.p1Violations === 0 &&
    m.serversNotRestored === 0 &&
    m.exports.failed === 0 &&
    m.exports.notFinished === 0 &&
    m.holdsLeftRunning === 0 &&
    m.extraStopsWhileHeld === 0 &&
    m.restartsWhileHeld === 0 &&
    m.stopsWhileNotHeld === 0
  );
}

function printHuman(out: {
  versions: ReturnType<typeof versions>;
  params: {
    k: number;
    servers: number;
    runs: number;
    warmup: number;
    seed: number;
    sizeGb: number[];
    exportTimeoutS: number;
    staggerMs: number;
    apiBudget: { requestsPerSecond: number; burst: number };
    workerLimits: { activitySlots: number; urgentActivitySlots: number; workflowTaskSlots: number; maxCachedWorkflows: number };
    timings: Timings;
  };
  topology: {
    disks: { key: string; kind: string; sizeGb: number; servers: string[] }[];
    exportsPerServer: { server: string; exports: number }[];
  };
  modes: Partial<Record<Mode, ModeSummary>>;
  concurrentOverSequential: { wall: number; totalDowntime: number } | null;
}): void {
  const t = out.params.timings;
  const p = out.params;
  const d = out.topology.disks;
  const kinds = (k: string) => d.filter((x) => x.kind === k).length;
  const shared = d.filter((x) => x.kind === 'shared');
  const s = (ms: number) => fmt(ms / 1000, 1);
  const lines = [
    'bench:concurrency — K exports of different disks over shared servers: all at once (per-server holds) vs. one after another',
    ...versionLines(out.versions),
    `sim       stop ${t.stopMs} ms, start ${t.startMs} ms, upload ${t.uploadBaseMs} ms + ${t.uploadMsPerGb} ms/GB, image ${t.imageActivateMs} ms, job INIT ${t.jobInitMs} ms`,
    `worker    one worker process, default poll policy: delay = clamp(elapsed × ${DEFAULT_POLL.fraction}, ${DEFAULT_POLL.initialMs} ms, ${DEFAULT_POLL.maxMs} ms);` +
      ` API budget ${p.apiBudget.requestsPerSecond} requests/s, burst ${p.apiBudget.burst}${flags['api-rps'] || flags['api-burst'] ? '' : ' (the default)'}, shared by every run and hold;` +
      ` ${p.workerLimits.activitySlots} activity slots (+${p.workerLimits.urgentActivitySlots} urgent), ${p.workerLimits.workflowTaskSlots} workflow task slots, cache ${p.workerLimits.maxCachedWorkflows}`,
    `topology  ${p.servers} running servers, ${p.k} disks of ${p.sizeGb[0]}–${p.sizeGb[1]} GB (seed ${p.seed}): ${kinds('system')} system, ${kinds('data')} data, ` +
      `${shared.length} shared (${shared.filter((x) => x.servers.length === 2).length} on 2 servers, ${shared.filter((x) => x.servers.length === 3).length} on 3); ` +
      `exports per server ${out.topology.exportsPerServer.map((x) => `${x.server} ${x.exports}`).join(', ')}`,
    `runs      ${p.runs} per mode (+${p.warmup} warm-up export), alternating which mode goes first; each run on freshly seeded servers and disks` +
      (p.staggerMs ? `; concurrent exports started ${p.staggerMs} ms apart` : ''),
    '',
    table(
      [
        'mode',
        'wall s',
        'min–max s',
        'exports/min',
        'worker RSS peak MB',
        'CPU s worker/Temporal/sim',
        'export s (median)',
        'done/failed/unfinished',
        'stops',
        'starts',
        'down intervals',
        'total downtime s',
        'intrinsic s',
        'API calls/export',
      ],
      MODES.map((m) => {
        const r = out.modes[m]!;
        return [
          m,
          s(r.wallMs.median),
          `${s(r.wallMs.min)}–${s(r.wallMs.max)}`,
          r.exportsPerMinute,
          r.workerPeakRssMb ?? '-',
          `${r.workerCpuS ?? '-'}/${r.temporalCpuS ?? '-'}/${r.benchCpuS ?? '-'}`,
          s(r.exportDurationMs.median),
          `${r.exports.done}/${r.exports.failed}/${r.exports.notFinished}`,
          r.totalStops,
          r.totalStarts,
          r.totalDownIntervals,
          s(r.totalDowntimeMs.median),
          s(r.totalIntrinsicMs),
          r.apiCallsPerExport,
        ];
      }),
    ),
    out.concurrentOverSequential
      ? `concurrent/sequential: wall time ${ratio(out.concurrentOverSequential.wall)}, total downtime ${ratio(out.concurrentOverSequential.totalDowntime)}`
      : 'concurrent/sequential: - (needs both modes)',
    '  wall s, stops, starts, down intervals, total downtime: medians over runs (totals over the servers of a run);',
    "  done/failed/unfinished: sums over runs. intrinsic: the simulator's own time, per server summed (see bench/README.md).",
    '',
    'per server (median over runs):',
    table(
      ['mode', 'server', 'exports', 'stops', 'starts', 'down intervals', 'downtime s', 'intrinsic s', 'need periods'],
      MODES.flatMap((m) =>
        out.modes[m]!.perServer.map((x) => [
          m,
          x.server,
          x.exports,
          x.stops,
          x.starts,
          x.downIntervals,
          s(x.downtimeMs),
          s(x.intrinsicMs),
          x.needPeriods,
        ]),
      ),
    ),
    "  need periods: maximal periods in which at least one export held the server, from its hold workflows' histories",
    '  (the fewest stops possible: one per period).',
    '',
    "where each server's downtime went (median over runs, s, summed over its down intervals; from the simulator event log):",
    table(
      ['mode', 'server', 'stop', '→upload', 'uploads', '→start', 'start', 'downtime', 'intrinsic'],
      MODES.flatMap((m) =>
        out.modes[m]!.perServer.map((x) => [
          m,
          x.server,
          ...BREAKDOWN_KEYS.map((k) => s(x.breakdownMs[k])),
          s(x.downtimeMs),
          s(x.intrinsicMs),
        ]),
      ),
    ),
    '  stop = server.stopping→stopped; →upload = stopped→first upload of one of its disks; uploads = →last of its disks',
    '  released; →start = →server.starting; start = starting→started.',
    '',
    table(
      ['goal (sums over runs)', ...MODES, 'goal'],
      [
        ['P1 violations (a server not stopped while its disk uploads)', ...MODES.map((m) => out.modes[m]!.p1Violations), '0'],
        ['servers not restored (P2)', ...MODES.map((m) => out.modes[m]!.serversNotRestored), '0'],
        ['exports failed', ...MODES.map((m) => out.modes[m]!.exports.failed), '0'],
        [`exports not finished within ${p.exportTimeoutS} s`, ...MODES.map((m) => out.modes[m]!.exports.notFinished), '0'],
        ['hold workflows still running 30 s after the last export', ...MODES.map((m) => out.modes[m]!.holdsLeftRunning), '0'],
        ['stops beyond one per need period (stopped again while held)', ...MODES.map((m) => out.modes[m]!.extraStopsWhileHeld), '0'],
        ['restarts begun while an export held the server (then stopped again)', ...MODES.map((m) => out.modes[m]!.restartsWhileHeld), '0'],
        ['stops while no export held the server', ...MODES.map((m) => out.modes[m]!.stopsWhileNotHeld), '0'],
      ],
    ),
    `goals: ${MODES.map((m) => `${m} ${verdict(goalMet(out.modes[m]!))}`).join(', ')}`,
    ...MODES.map((m) => {
      const o = out.modes[m]!.overIntrinsic;
      const plus = (ms: number) => `+${fmt(ms / 1000, 2)}`;
      return (
        `downtime goal (${m}): each server within ${s(o.goalMs)} s of intrinsic, median over runs: ${o.perServerMedianMs.map(plus).join('/')} s, ` +
        `${verdict(o.met)}; every server of every run: median ${plus(o.serverRuns.median)} s, worst ${plus(o.serverRuns.max)} s, ` +
        `${o.serverRuns.withinGoal}/${o.serverRuns.n} within`
      );
    }),
  ];
  const failures = MODES.flatMap((m) => out.modes[m]!.failures.map((f) => ({ m, ...f })));
  if (failures.length) {
    lines.push(
      '',
      'exports that did not end done:',
      ...failures
        .slice(0, 20)
        .map(
          (f) =>
            `  ${f.m} run ${f.rep + 1} ${f.disk}: ${f.outcome}${f.phase ? ` in phase ${f.phase}` : ''}${f.failureType ? ` ${f.failureType}: ${f.failureMessage}` : ''}`,
        ),
    );
    if (failures.length > 20) lines.push(`  ... ${failures.length - 20} more (see --json)`);
  }
  const anomalies = MODES.flatMap((m) => out.modes[m]!.anomalies.map((a) => ({ m, ...a })));
  if (anomalies.length) {
    lines.push(
      '',
      'what the goals forbid, as it happened:',
      ...anomalies.slice(0, 30).map((a) => `  ${a.m} run ${a.rep + 1}: ${a.what}: ${a.detail}`),
    );
    if (anomalies.length > 30) lines.push(`  ... ${anomalies.length - 30} more (see --json)`);
  }
  if (MODES.some((m) => !out.modes[m]!.simSettled))
    lines.push('', 'note: the simulator still had pending transitions 20 s after a run (images not yet active).');
  console.log(lines.join('\n'));
}

runBench(main);
