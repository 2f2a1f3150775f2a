// bench:downtime — how long each server is down during an export, as the simulator measured it (from the
// moment it began powering off to the moment it was ACTIVE again), compared with
//   - the simulator's intrinsic time for stop + upload + start (its timings; confirmed from its event log), and
//   - the same steps run as a plain sequential script with our cloud client and a tight fixed poll (no Temporal).
// The orchestrated runs use an in-process worker with the DEFAULT poll policy: the figures are what users get.
//
//   npm run bench:downtime [-- --runs 5 --json]
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { DEFAULT_POLL } from '../src/activities/poll';
import { type CloudApi, createCloudClient, loadCloudConfig } from '../src/cloud';
import { startDevServer } from '../src/dev/dev-server';
import { startExport } from '../src/export-client';
import { createSim } from '../src/sim';
import { Rng } from '../src/sim/model/rng';
import type { SimEvent, SimHandle, Timings } from '../src/sim/types';
import { createExportWorker } from '../src/worker';
import { parseFlags, SIM_TIMING_FLAGS, simTimings, UsageError } from './lib/flags';
import { fmt, ratio, signed, table, verdict, versionLines, versions } from './lib/report';
import { at, firstEvent, lastSeq, onShutdown, runBench, sleep } from './lib/setup';
import { median, round, sum, summarize } from './lib/stats';

const flags = parseFlags('bench:downtime', 'per-server downtime of an export: orchestrated vs. intrinsic vs. a plain script', {
  runs: { kind: 'int', default: 5, help: 'measured repetitions per scenario and mode' },
  warmup: { kind: 'int', default: 1, help: 'unmeasured repetitions first (worker start, first token, JIT)' },
  json: { kind: 'boolean', default: false, help: 'print one JSON object instead of the tables' },
  'size-gb': { kind: 'int', default: 20, help: 'disk size' },
  ...SIM_TIMING_FLAGS,
  'baseline-poll-ms': { kind: 'int', default: 100, help: "the plain script's fixed poll interval" },
  'jitter-ms': {
    kind: 'int',
    default: 0,
    help: "draw each repetition's stop, start and upload-base timings from ±this range (same draw for both modes)",
  },
  seed: { kind: 'int', default: 1, help: 'seeds the simulator and the jitter draws' },
  scenarios: {
    kind: 'string',
    default: 'single,shared3',
    help: 'comma-separated: single (in-use disk, 1 server), shared3 (shared disk, 3 servers)',
  },
});

// Goals printed beside the figures.
const GOAL_VS_BASELINE = 1.05;
const GOAL_OVER_INTRINSIC_MS = 1000;

interface Scenario {
  key: string;
  title: string;
  servers: number;
}
const SCENARIOS: Record<string, Scenario> = {
  single: { key: 'single', title: 'in-use disk, 1 running server', servers: 1 },
  shared3: { key: 'shared3', title: 'shared disk, 3 running servers', servers: 3 },
};

type Mode = 'orchestrated' | 'baseline';

/** One server in one repetition: the oracle's downtime and where it went, from the event log. */
interface ServerSample {
  rep: number;
  serverId: string;
  /** stopMs + uploadBaseMs + size × uploadMsPerGb + startMs as configured for this repetition. */
  intrinsicMs: number;
  /** oracle().servers[id].downtimeMs: powering-off begin → ACTIVE. */
  downtimeMs: number;
  stops: number;
  starts: number;
  /** From the event log (ms): server.stopping→stopped, →volume.uploading, uploading→released, →server.starting, starting→started. */
  stop: number;
  toExport: number;
  upload: number;
  toStart: number;
  start: number;
  /** stop + upload + start as the event log shows them: the intrinsic part of this downtime. */
  intrinsicFromEvents: number;
  /** started − stopping from the event log; should equal `downtimeMs`. */
  downtimeFromEvents: number;
}

interface RepResult {
  rep: number;
  mode: Mode;
  ok: boolean;
  error?: string;
  wallMs: number;
  apiCalls: number;
  servers: ServerSample[];
}

function timingsFromFlags(): Partial<Timings> {
  return simTimings(flags);
}

function seedScenario(sim: SimHandle, s: Scenario, tag: string): { volumeId: string; serverIds: string[] } {
  const names = Array.from({ length: s.servers }, (_, i) => `${tag}-srv${i + 1}`);
  const seeded = sim.seed({
    servers: names.map((name) => ({ name })),
    volumes: [{ name: `${tag}-disk`, size: flags['size-gb'], multiattach: s.servers > 1, attachedTo: names }],
  });
  return { volumeId: seeded.volumes[0].id, serverIds: seeded.servers.map((x) => x.id) };
}

function intrinsicOf(t: Timings, sizeGb: number): number {
  return (t.stopMs ?? 0) + (t.uploadBaseMs ?? 0) + sizeGb * t.uploadMsPerGb + (t.startMs ?? 0);
}

function samplesFor(sim: SimHandle, since: number, rep: number, volumeId: string, serverIds: string[]): ServerSample[] {
  const events: SimEvent[] = sim.events(since);
  const intrinsicMs = intrinsicOf(sim.config().timings, flags['size-gb']);
  const oracle = sim.oracle();
  const uploading = at(firstEvent(events, 'volume.uploading', { volumeId }));
  const released = at(firstEvent(events, 'volume.released', { volumeId }));
  return serverIds.map((serverId) => {
    const stopping = at(firstEvent(events, 'server.stopping', { serverId }));
    const stopped = at(firstEvent(events, 'server.stopped', { serverId }));
    const starting = at(firstEvent(events, 'server.starting', { serverId }));
    const started = at(firstEvent(events, 'server.started', { serverId }));
    const tally = oracle.servers[serverId];
    return {
      rep,
      serverId,
      intrinsicMs,
      downtimeMs: tally?.downtimeMs ?? NaN,
      stops: tally?.stops ?? 0,
      starts: tally?.starts ?? 0,
      stop: stopped - stopping,
      toExport: uploading - stopped,
      upload: released - uploading,
      toStart: starting - released,
      start: started - starting,
      intrinsicFromEvents: stopped - stopping + (released - uploading) + (started - starting),
      downtimeFromEvents: started - stopping,
    };
  });
}

// ---- the baseline: what a careful script does, in this process, with our cloud client, no Temporal ----

async function pollEvery<T>(ms: number, read: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    await sleep(ms);
  }
}

async function baselineExport(cloud: CloudApi, volumeId: string, serverIds: string[], imageName: string, pollMs: number): Promise<void> {
  const waitJob = (jobId: string) =>
    pollEvery(pollMs, async () => {
      const job = await cloud.ecs.getJob(jobId);
      if (job.status === 'FAIL') throw new Error(`job ${jobId} FAIL: ${job.errorCode} ${job.failReason}`);
      return job.status === 'SUCCESS' ? job : undefined;
    });
  const waitServers = (status: 'SHUTOFF' | 'ACTIVE') =>
    pollEvery(pollMs, async () => {
      const servers = await Promise.all(serverIds.map((id) => cloud.ecs.getServer(id)));
      return servers.every((s) => s.status === status && s.taskState === null) ? true : undefined;
    });

  await waitJob(await cloud.ecs.stopServers(serverIds, 'SOFT'));
  await waitServers('SHUTOFF');
  // The disk stays in-use while its servers are stopped: the export needs force (cloud-api.md §7.4).
  await cloud.evs.uploadImage(volumeId, { imageName, force: true, diskFormat: 'zvhd2', containerFormat: 'bare' });
  await pollEvery(pollMs, async () => ((await cloud.evs.getVolume(volumeId)).status === 'uploading' ? undefined : true));
  await waitJob(await cloud.ecs.startServers(serverIds));
  await waitServers('ACTIVE');
}

function totalCalls(counts: Record<string, number>): number {
  return sum(Object.values(counts));
}

async function main(): Promise<void> {
  const scenarioKeys = flags.scenarios
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const k of scenarioKeys)
    if (!SCENARIOS[k])
      throw new UsageError(`--scenarios: unknown scenario ${JSON.stringify(k)}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const v = versions();
  const startedAt = new Date().toISOString();
  const log = (line: string) => {
    if (!flags.json) process.stderr.write(`${line}\n`);
  };

  Runtime.install({ logger: new DefaultLogger('WARN') });
  log('starting a Temporal dev server, the simulator and an in-process worker ...');
  const temporal = await startDevServer();
  onShutdown(() => temporal.stop());
  const sim = await createSim({ seed: flags.seed, config: { timings: timingsFromFlags() } });
  onShutdown(() => sim.close());
  const timings = sim.sim.config().timings;
  const rng = new Rng(flags.seed);
  const jittered = (ms: number) => Math.max(0, Math.round(ms + (rng.next() * 2 - 1) * flags['jitter-ms']));

  const workerCloud = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }));
  onShutdown(() => workerCloud.close());
  const baselineCloud = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }));
  onShutdown(() => baselineCloud.close());
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  onShutdown(() => nativeConnection.close());
  const taskQueue = `bench-downtime-${randomUUID()}`;
  // No `poll`: the worker's default poll policy, as users run it.
  const worker = await createExportWorker({ connection: nativeConnection, namespace: temporal.namespace, taskQueue, cloud: workerCloud });
  const running = worker.run();
  onShutdown(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  const connection = await Connection.connect({ address: temporal.address });
  onShutdown(() => connection.close());
  const client = new Client({ connection, namespace: temporal.namespace });

  async function orchestrated(s: Scenario, rep: number): Promise<RepResult> {
    const { volumeId, serverIds } = seedScenario(sim.sim, s, `o${rep}-${s.key}`);
    const since = lastSeq(sim.sim);
    const t0 = performance.now();
    const handle = await startExport(client, taskQueue, { volumeId, imageName: `bench-downtime-${s.key}-${rep}-${Date.now()}` });
    try {
      const result = await handle.result();
      return {
        rep,
        mode: 'orchestrated',
        ok: true,
        wallMs: performance.now() - t0,
        apiCalls: totalCalls(result.apiCalls),
        servers: samplesFor(sim.sim, since, rep, volumeId, serverIds),
      };
    } catch (err) {
      const cause = err instanceof WorkflowFailedError ? err.cause : err;
      return {
        rep,
        mode: 'orchestrated',
        ok: false,
        error: cause instanceof Error ? cause.message : String(cause),
        wallMs: performance.now() - t0,
        apiCalls: NaN,
        servers: samplesFor(sim.sim, since, rep, volumeId, serverIds),
      };
    }
  }

  async function baseline(s: Scenario, rep: number): Promise<RepResult> {
    const { volumeId, serverIds } = seedScenario(sim.sim, s, `b${rep}-${s.key}`);
    const since = lastSeq(sim.sim);
    const before = totalCalls(baselineCloud.callCounts());
    const t0 = performance.now();
    let error: string | undefined;
    try {
      await baselineExport(baselineCloud, volumeId, serverIds, `bench-baseline-${s.key}-${rep}-${Date.now()}`, flags['baseline-poll-ms']);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const wallMs = performance.now() - t0;
    return {
      rep,
      mode: 'baseline',
      ok: !error,
      error,
      wallMs,
      apiCalls: totalCalls(baselineCloud.callCounts()) - before,
      servers: samplesFor(sim.sim, since, rep, volumeId, serverIds),
    };
  }

  const reports = [];
  for (const key of scenarioKeys) {
    const s = SCENARIOS[key];
    const results: RepResult[] = [];
    for (let rep = -flags.warmup; rep < flags.runs; rep++) {
      if (flags['jitter-ms'] > 0) {
        sim.sim.setConfig({
          timings: {
            stopMs: jittered(timings.stopMs ?? 0),
            startMs: jittered(timings.startMs ?? 0),
            uploadBaseMs: jittered(timings.uploadBaseMs ?? 0),
          },
        });
      }
      // Interleaved, alternating which goes first, so drift on the machine hits both modes alike.
      const order: Mode[] = rep % 2 === 0 ? ['orchestrated', 'baseline'] : ['baseline', 'orchestrated'];
      for (const mode of order) {
        const r = mode === 'orchestrated' ? await orchestrated(s, rep) : await baseline(s, rep);
        const down = r.servers.map((x) => x.downtimeMs);
        log(
          `  ${s.key} ${rep < 0 ? 'warm-up' : `run ${rep + 1}/${flags.runs}`} ${mode.padEnd(12)} downtime ${down.map((d) => fmt(Math.round(d))).join(', ')} ms${r.ok ? '' : `  FAILED: ${r.error}`}`,
        );
        if (rep >= 0) results.push(r);
      }
    }
    reports.push(summarizeScenario(s, results));
  }

  const output = {
    bench: 'downtime',
    startedAt,
    versions: v,
    params: {
      runs: flags.runs,
      warmup: flags.warmup,
      sizeGb: flags['size-gb'],
      timings,
      workerPoll: { ...DEFAULT_POLL, source: 'default (src/activities/poll.ts DEFAULT_POLL)' },
      baselinePollMs: flags['baseline-poll-ms'],
      jitterMs: flags['jitter-ms'],
      seed: flags.seed,
    },
    goals: { orchestratedOverBaselineMax: GOAL_VS_BASELINE, orchestratedMinusIntrinsicMaxMs: GOAL_OVER_INTRINSIC_MS },
    scenarios: reports,
  };
  if (flags.json) {
    console.log(JSON.stringify(output, null, 2));
    return;
  }
  printHuman(output);
}

type ScenarioReport = ReturnType<typeof summarizeScenario>;

function summarizeScenario(s: Scenario, results: RepResult[]) {
  const pick = (mode: Mode) => results.filter((r) => r.mode === mode);
  const modeReport = (mode: Mode) => {
    const reps = pick(mode);
    const servers = reps.filter((r) => r.ok).flatMap((r) => r.servers);
    const med = (f: (x: ServerSample) => number) => round(median(servers.map(f)));
    return {
      runs: reps.length,
      failed: reps.filter((r) => !r.ok).map((r) => ({ rep: r.rep, error: r.error })),
      downtimeMs: summarize(servers.map((x) => x.downtimeMs)),
      breakdownMedianMs: {
        stop: med((x) => x.stop),
        toExport: med((x) => x.toExport),
        upload: med((x) => x.upload),
        toStart: med((x) => x.toStart),
        start: med((x) => x.start),
      },
      intrinsicFromEventsMedianMs: med((x) => x.intrinsicFromEvents),
      /** Largest |oracle downtime − (server.started − server.stopping)| over the samples: the two clocks agree. */
      oracleVsEventsMaxDiffMs: round(Math.max(0, ...servers.map((x) => Math.abs(x.downtimeMs - x.downtimeFromEvents)))),
      /** Samples where a server was stopped or started more than once in one run (a retry acted twice). */
      extraStopsOrStarts: servers.filter((x) => x.stops !== 1 || x.starts !== 1).length,
      apiCallsPerExport: summarize(reps.filter((r) => r.ok).map((r) => r.apiCalls)),
      wallMs: summarize(reps.map((r) => r.wallMs)),
      samples: servers,
    };
  };
  const orchestrated = modeReport('orchestrated');
  const baseline = modeReport('baseline');
  const o = orchestrated.downtimeMs.median;
  const b = baseline.downtimeMs.median;
  const ok = (mode: Mode) =>
    pick(mode)
      .filter((r) => r.ok)
      .flatMap((r) => r.servers);
  // With --jitter-ms each repetition has its own intrinsic time: compare per sample, then take the median.
  const overIntrinsic = (mode: Mode) => round(median(ok(mode).map((x) => x.downtimeMs - x.intrinsicMs)));
  const orchestratedMinusIntrinsicMs = overIntrinsic('orchestrated');
  return {
    scenario: s.key,
    title: s.title,
    servers: s.servers,
    intrinsicMs: round(median(results.flatMap((r) => r.servers).map((x) => x.intrinsicMs))),
    intrinsicFromEventsMedianMs: round(median([...ok('orchestrated'), ...ok('baseline')].map((x) => x.intrinsicFromEvents))),
    orchestratedMedianMs: o,
    baselineMedianMs: b,
    orchestratedOverIntrinsic: round(median(ok('orchestrated').map((x) => x.downtimeMs / x.intrinsicMs)), 4),
    orchestratedMinusIntrinsicMs,
    baselineMinusIntrinsicMs: overIntrinsic('baseline'),
    orchestratedOverBaseline: round(o / b, 4),
    goals: {
      withinFivePercentOfBaseline: o / b <= GOAL_VS_BASELINE,
      withinOneSecondOfIntrinsic: orchestratedMinusIntrinsicMs <= GOAL_OVER_INTRINSIC_MS,
    },
    orchestrated,
    baseline,
  };
}

function printHuman(out: {
  versions: ReturnType<typeof versions>;
  params: { runs: number; warmup: number; sizeGb: number; timings: Timings; baselinePollMs: number; jitterMs: number; seed: number };
  scenarios: ScenarioReport[];
}): void {
  const t = out.params.timings;
  const lines = [
    'bench:downtime — per-server downtime of an export, as the simulator measured it (powering-off begin → ACTIVE)',
    ...versionLines(out.versions),
    `sim       stop ${t.stopMs} ms, start ${t.startMs} ms, upload ${t.uploadBaseMs} ms + ${t.uploadMsPerGb} ms/GB × ${out.params.sizeGb} GB, job INIT ${t.jobInitMs} ms` +
      (out.params.jitterMs ? `; stop, start and upload base drawn per run from ±${out.params.jitterMs} ms (seed ${out.params.seed})` : ''),
    `worker    in-process, DEFAULT poll policy: delay = clamp(elapsed × ${DEFAULT_POLL.fraction}, ${DEFAULT_POLL.initialMs} ms, ${DEFAULT_POLL.maxMs} ms)`,
    `baseline  the same steps as a plain sequential script (our cloud client, no Temporal), fixed ${out.params.baselinePollMs} ms poll`,
    `runs      ${out.params.runs} per scenario and mode (+${out.params.warmup} warm-up), interleaved; figures are medians over every server of every run`,
    '',
    table(
      ['scenario', 'intrinsic ms', 'orchestrated ms', 'baseline ms', 'orch/intrinsic', 'orch−intrinsic ms', 'orch/baseline'],
      out.scenarios.map((s) => [
        s.title,
        s.intrinsicMs,
        Math.round(s.orchestratedMedianMs),
        Math.round(s.baselineMedianMs),
        ratio(s.orchestratedOverIntrinsic),
        signed(s.orchestratedMinusIntrinsicMs),
        ratio(s.orchestratedOverBaseline),
      ]),
    ),
    '',
    'where the time goes (median per server, ms, from the simulator event log):',
    table(
      ['scenario', 'mode', 'stop', '→export', 'upload', '→start', 'start', 'downtime', 'min–max', 'API calls/export'],
      out.scenarios.flatMap((s) =>
        (['orchestrated', 'baseline'] as const).map((m) => {
          const r = s[m];
          const b = r.breakdownMedianMs;
          return [
            s.scenario,
            m,
            Math.round(b.stop),
            Math.round(b.toExport),
            Math.round(b.upload),
            Math.round(b.toStart),
            Math.round(b.start),
            Math.round(r.downtimeMs.median),
            `${Math.round(r.downtimeMs.min)}–${Math.round(r.downtimeMs.max)}`,
            Math.round(r.apiCallsPerExport.median),
          ];
        }),
      ),
    ),
    '  stop = server.stopping→stopped; →export = stopped→volume.uploading; upload = uploading→released;',
    '  →start = released→server.starting; start = starting→started. stop + upload + start is the intrinsic part.',
    '',
    'event-log check:',
    ...out.scenarios.map(
      (s) =>
        `  ${s.scenario}: intrinsic from the sim's timings ${fmt(s.intrinsicMs)} ms, from its event log ${fmt(s.intrinsicFromEventsMedianMs)} ms (median); ` +
        `oracle downtime vs. event log: max |Δ| ${fmt(Math.max(s.orchestrated.oracleVsEventsMaxDiffMs, s.baseline.oracleVsEventsMaxDiffMs))} ms; ` +
        `servers stopped/started more than once: ${s.orchestrated.extraStopsOrStarts + s.baseline.extraStopsOrStarts}`,
    ),
    '',
    'goals:',
    ...out.scenarios.map(
      (s) =>
        `  ${s.scenario}: orchestrated ≤ ${GOAL_VS_BASELINE} × baseline: ${verdict(s.goals.withinFivePercentOfBaseline)} (${ratio(s.orchestratedOverBaseline)}); ` +
        `orchestrated ≤ intrinsic + ${GOAL_OVER_INTRINSIC_MS} ms: ${verdict(s.goals.withinOneSecondOfIntrinsic)} (${signed(s.orchestratedMinusIntrinsicMs)} ms)`,
    ),
  ];
  const failed = out.scenarios.flatMap((s) => [
    ...s.orchestrated.failed.map((f) => ({ ...f, s: s.scenario, m: 'orchestrated' })),
    ...s.baseline.failed.map((f) => ({ ...f, s: s.scenario, m: 'baseline' })),
  ]);
  if (failed.length)
    lines.push('', 'runs that failed (excluded from the figures):', ...failed.map((f) => `  ${f.s} ${f.m} run ${f.rep + 1}: ${f.error}`));
  console.log(lines.join('\n'));
}

runBench(main);
