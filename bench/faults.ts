// bench:faults — N exports, `--concurrency` at a time, each on its own disk, under a chaos mix injected through
// the simulator's fault rules (seeded probabilities): 5xx on every operation, 429 with Retry-After (background and
// bursts), ECS "HTTP 202 + Common.0024", lost responses on every mutating call, failing ECS jobs — while two
// workers run as child processes and one of them is SIGKILLed at `--kills` random moments (a replacement is
// started each time). It counts what the promises forbid: P1 violations, servers not restored, servers started
// that were stopped, duplicate exports, orphaned images, runs that neither finish nor fail with a reason.
//
//   npm run bench:faults [-- --runs 50 --concurrency 5 --seed 7 --json]
import { randomInt } from 'node:crypto';
import { createWriteStream, mkdtempSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FAST_POLL, FAST_TIMINGS } from '../src/dev/fast';
import { startDevServer } from '../src/dev/dev-server';
import { spawnWorker, type WorkerProcess } from '../src/dev/worker-process';
import { type ExportHandle, startExport } from '../src/export-client';
import { createSim } from '../src/sim';
import { Rng } from '../src/sim/model/rng';
import type { FaultRule, SeedServer, SeedVolume } from '../src/sim/types';
import { type ExportDiskResult, exportWorkflowId, FailureType, progressQuery } from '../src/workflows/api';
import { parseFlags, UsageError } from './lib/flags';
import { fmt, table, verdict, versionLines, versions } from './lib/report';
import { onShutdown, runBench, settle, sleep } from './lib/setup';
import { median, p95, round, sum, summarize } from './lib/stats';

const flags = parseFlags('bench:faults', 'exports under injected faults and worker kills: what the promises forbid, counted', {
  runs: { kind: 'int', default: 50, help: 'export runs, each on its own disk' },
  concurrency: { kind: 'int', default: 5, help: 'runs in flight at a time' },
  seed: { kind: 'int', default: 0, help: 'seeds topology, fault draws and kill moments; 0 draws one (printed)' },
  kills: { kind: 'int', default: 3, help: 'worker SIGKILLs at random moments' },
  workers: { kind: 'int', default: 2, help: 'worker child processes kept running' },
  'run-timeout-s': { kind: 'int', default: 300, help: 'a run not finished this long after its start counts as not finished' },
  'chaos-scale': { kind: 'number', default: 1, help: 'multiplies every fault probability (capped at 1)' },
  'upload-fail': { kind: 'number', default: 0, help: 'probability that an accepted upload fails (image killed); not in the default mix' },
  json: { kind: 'boolean', default: false, help: 'print one JSON object instead of the tables' },
  verbose: { kind: 'boolean', default: false, help: 'echo worker output and every run to stderr' },
});

// Fast, ordered transitions (the integration tests' timings) and a fast poll, so 50 runs take minutes.
const TIMINGS = FAST_TIMINGS;
const POLL = FAST_POLL;
const TAGS = ['bench', 'chaos'];
// A run adds about this many API calls (used only to place the 429 bursts across the whole benchmark).
const CALLS_PER_RUN_ESTIMATE = 40;

interface Chaos {
  label: string;
  rule: FaultRule;
}

/** The chaos mix. Rules are tried in order and one request-level fault applies per request at most. */
function chaosMix(rng: Rng, runs: number, scale: number, uploadFail: number): Chaos[] {
  const every = (op: string, kind: FaultRule['kind'], probability: number, extra: Partial<FaultRule> = {}): FaultRule => ({
    op,
    kind,
    probability: Math.min(1, probability * scale),
    times: 0,
    ...extra,
  });
  const mix: Chaos[] = [
    { label: '5xx 500 on every op', rule: every('*', 'error', 0.02, { status: 500 }) },
    { label: '5xx 502 on every op', rule: every('*', 'error', 0.01, { status: 502 }) },
    { label: '5xx 503 on every op', rule: every('*', 'error', 0.01, { status: 503 }) },
    { label: '5xx 504 on every op', rule: every('*', 'error', 0.01, { status: 504 }) },
    { label: '429 Retry-After 1 s on every op', rule: every('*', 'throttle', 0.01, { retryAfterSec: 1 }) },
  ];
  for (let b = 0; b < 3; b++) {
    const after = Math.floor((0.05 + 0.75 * rng.next()) * runs * CALLS_PER_RUN_ESTIMATE);
    mix.push({
      label: `429 burst #${b + 1}: 10 in a row after ${after} calls`,
      rule: { op: '*', kind: 'throttle', retryAfterSec: 1, after, times: 10 },
    });
  }
  mix.push(
    { label: '202+Common.0024 on ecs.stop', rule: every('ecs.stop', 'throttle-202', 0.1) },
    { label: '202+Common.0024 on ecs.start', rule: every('ecs.start', 'throttle-202', 0.1) },
    { label: '202+Common.0024 on ecs.getServer', rule: every('ecs.getServer', 'throttle-202', 0.02) },
    { label: '202+Common.0024 on ecs.getJob', rule: every('ecs.getJob', 'throttle-202', 0.02) },
    { label: 'lost response on evs.uploadImage', rule: every('evs.uploadImage', 'lost-response', 0.15) },
    { label: 'lost response on ecs.stop', rule: every('ecs.stop', 'lost-response', 0.1) },
    { label: 'lost response on ecs.start', rule: every('ecs.start', 'lost-response', 0.1) },
    { label: 'lost response on ims.addTag', rule: every('ims.addTag', 'lost-response', 0.1) },
    { label: 'job-fail on ecs.stop (per server)', rule: every('ecs.stop', 'job-fail', 0.05) },
    { label: 'job-fail on ecs.start (per server)', rule: every('ecs.start', 'job-fail', 0.05) },
  );
  if (uploadFail > 0)
    mix.push({
      label: 'upload-fail on evs.uploadImage',
      rule: { op: 'evs.uploadImage', kind: 'upload-fail', probability: Math.min(1, uploadFail), times: 0 },
    });
  return mix;
}

type Shape = 'single' | 'shared2' | 'shared3';

interface RunSpec {
  i: number;
  shape: Shape;
  sizeGb: number;
  volumeId: string;
  imageName: string;
  servers: { id: string; name: string; running: boolean }[];
}

interface RunRecord extends RunSpec {
  outcome: 'done' | 'failed' | 'not-finished';
  startedAtMs: number;
  durationMs?: number;
  imageId?: string;
  imageStatus?: string;
  adopted?: boolean;
  apiCalls?: number;
  jobFailures?: number;
  /** Done runs: servers that were running but are not reported `restarted`. */
  serversNotReportedRestarted?: string[];
  failureType?: string;
  failureMessage?: string;
  /** The failure's cause chain, outermost first (`Name[type]: message`). */
  failureChain?: string[];
  /** Runs not done: their workflow history, saved for diagnosis. */
  historyFile?: string;
  /** Not-finished runs: where they were when given up on. */
  phase?: string;
  status?: string;
}

interface Kill {
  n: number;
  atMs: number;
  pid: number | undefined;
  runsFinishedBefore: number;
  inFlight: { run: number; phase: string }[];
}

interface LiveWorker {
  n: number;
  proc: WorkerProcess;
  log: WriteStream;
}

/** Topology: about half in-use disks on one server, a quarter shared on 2, a quarter shared on 3; some servers stopped. */
function topology(
  rng: Rng,
  runs: number,
  tag: string,
): {
  spec: { servers: SeedServer[]; volumes: SeedVolume[] };
  shapes: Omit<RunSpec, 'volumeId' | 'servers'>[];
  running: Map<string, boolean>;
} {
  const servers: SeedServer[] = [];
  const volumes: SeedVolume[] = [];
  const shapes: Omit<RunSpec, 'volumeId' | 'servers'>[] = [];
  const running = new Map<string, boolean>();
  for (let i = 0; i < runs; i++) {
    const r = rng.next();
    const shape: Shape = r < 0.5 ? 'single' : r < 0.75 ? 'shared2' : 'shared3';
    const n = shape === 'single' ? 1 : shape === 'shared2' ? 2 : 3;
    const names: string[] = [];
    for (let k = 0; k < n; k++) {
      const name = `${tag}-r${i}-srv${k + 1}`;
      const stopped = rng.next() < 0.2;
      servers.push({ name, status: stopped ? 'SHUTOFF' : 'ACTIVE' });
      running.set(name, !stopped);
      names.push(name);
    }
    const sizeGb = 10 + Math.floor(rng.next() * 91);
    volumes.push({ name: `${tag}-r${i}-disk`, size: sizeGb, multiattach: n > 1, attachedTo: names });
    shapes.push({ i, shape, sizeGb, imageName: `${tag}-r${i}-image` });
  }
  return { spec: { servers, volumes }, shapes, running };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(timer));
}

/** Ids and our own names replaced, so equal failures group together. */
function normalize(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b[0-9a-f]{32}\b/gi, '<id>')
    .replace(/bench-\d+-r\d+-(srv\d|disk|image)/g, '<$1>')
    .replace(/req-<id>/g, '<request>');
}

const FAILURE_TYPES = new Set<string>(Object.values(FailureType));

function causeChain(err: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = err; e && out.length < 10; e = (e as { cause?: unknown }).cause) {
    if (!(e instanceof Error)) {
      out.push(String(e));
      break;
    }
    const type = e instanceof ApplicationFailure && e.type ? `[${e.type}]` : '';
    out.push(`${e.name}${type}: ${e.message}`);
  }
  return out;
}

async function main(): Promise<void> {
  if (flags.workers < 1 || flags.runs < 1) throw new UsageError('--workers and --runs must be at least 1');
  const seed = flags.seed || randomInt(1, 2 ** 31);
  const rng = new Rng(seed);
  const v = versions();
  const outDir = mkdtempSync(join(tmpdir(), `evs-bench-faults-${seed}-`));
  const log = (line: string) => {
    if (!flags.json) process.stderr.write(`${line}\n`);
  };
  const vlog = (line: string) => {
    if (flags.verbose) process.stderr.write(`${line}\n`);
  };

  log(`seed ${seed}; worker logs in ${outDir}`);
  log('starting a Temporal dev server and the simulator ...');
  const temporal = await startDevServer();
  onShutdown(() => temporal.stop());
  const sim = await createSim({ seed, config: TIMINGS });
  onShutdown(() => sim.close());
  const admin = sim.sim;
  const connection = await Connection.connect({ address: temporal.address });
  onShutdown(() => connection.close());
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = `bench-faults-${seed}-${Date.now()}`;

  // ---- workers: child processes, `--workers` of them at all times ----
  let workerCount = 0;
  const live: LiveWorker[] = [];
  const allWorkers: LiveWorker[] = [];
  function spawnOne(): LiveWorker {
    const n = ++workerCount;
    const stream = createWriteStream(join(outDir, `worker-${n}.log`));
    const proc = spawnWorker({
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      cloudEnv: sim.cloudEnv,
      poll: POLL,
      log: (line) => {
        stream.write(`${new Date().toISOString()} ${line}\n`);
        vlog(`[worker ${n}] ${line}`);
      },
    });
    const w = { n, proc, log: stream };
    allWorkers.push(w);
    return w;
  }
  onShutdown(async () => {
    await Promise.all(
      allWorkers.map(async (w) => {
        // Graceful first (running waits hand over), then hard.
        const stopped = await withTimeout(w.proc.kill('SIGTERM'), 30_000);
        if (stopped === undefined) await w.proc.kill('SIGKILL');
        w.log.end();
      }),
    );
  });
  log(`starting ${flags.workers} worker process(es) ...`);
  for (let k = 0; k < flags.workers; k++) live.push(spawnOne());
  await Promise.all(live.map((w) => w.proc.ready));

  // ---- topology and chaos ----
  const tag = `bench-${seed}`;
  const topo = topology(rng, flags.runs, tag);
  const seeded = admin.seed(topo.spec);
  const serverIdByName = new Map(seeded.servers.map((s) => [s.name, s.id]));
  const specs: RunSpec[] = topo.shapes.map((s) => ({
    ...s,
    volumeId: seeded.volumes[s.i].id,
    servers: topo.spec.volumes[s.i].attachedTo!.map((name) => ({ id: serverIdByName.get(name)!, name, running: topo.running.get(name)! })),
  }));
  const chaos = chaosMix(rng, flags.runs, flags['chaos-scale'], flags['upload-fail']);
  const ruleIds = new Map<string, string>();
  for (const c of chaos) ruleIds.set(admin.addFault(c.rule).id, c.label);

  // Kill moments: after a random share of the runs has finished, plus up to 3 s, so they land mid-activity.
  const killPlan = Array.from({ length: flags.kills }, () => ({
    afterFinished: Math.max(1, Math.floor((0.1 + 0.7 * rng.next()) * flags.runs)),
    jitterMs: Math.round(rng.next() * 3000),
    victim: Math.floor(rng.next() * Math.max(1, flags.workers)),
  })).sort((a, b) => a.afterFinished - b.afterFinished);

  // ---- the runs ----
  const t0 = performance.now();
  const records: RunRecord[] = [];
  const inFlight = new Map<number, ExportHandle>();
  const notFinished = new Map<number, ExportHandle>();
  let next = 0;
  let finished = 0;

  async function runOne(spec: RunSpec): Promise<void> {
    const started = performance.now();
    const rec: RunRecord = { ...spec, outcome: 'not-finished', startedAtMs: round(started - t0, 0) };
    records.push(rec);
    const handle = await startExport(client, taskQueue, { volumeId: spec.volumeId, imageName: spec.imageName, tags: TAGS });
    inFlight.set(spec.i, handle);
    const outcome = handle.result().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const r = await withTimeout(outcome, flags['run-timeout-s'] * 1000);
    inFlight.delete(spec.i);
    if (r === undefined) {
      notFinished.set(spec.i, handle);
      vlog(`run ${spec.i}: not finished after ${flags['run-timeout-s']} s`);
      return;
    }
    rec.durationMs = round(performance.now() - started, 0);
    if ('result' in r) {
      const res: ExportDiskResult = r.result;
      Object.assign(rec, {
        outcome: 'done',
        imageId: res.imageId,
        imageStatus: res.imageStatus,
        adopted: res.adopted,
        apiCalls: sum(Object.values(res.apiCalls)),
        jobFailures: res.jobFailures.length,
        serversNotReportedRestarted: res.servers.filter((s) => s.wasRunning && s.state !== 'restarted').map((s) => s.serverId),
      });
    } else {
      const err = r.error;
      const cause = err instanceof WorkflowFailedError ? err.cause : err;
      rec.outcome = 'failed';
      rec.failureChain = causeChain(cause);
      if (cause instanceof ApplicationFailure) {
        const d = cause.details?.[0] as
          | { imageId?: string; imageStatus?: string; adopted?: boolean; apiCalls?: Record<string, number>; jobFailures?: unknown[] }
          | undefined;
        Object.assign(rec, {
          failureType: cause.type ?? 'ApplicationFailure without type',
          failureMessage: cause.message,
          imageId: d?.imageId,
          imageStatus: d?.imageStatus,
          adopted: d?.adopted,
          apiCalls: d?.apiCalls ? sum(Object.values(d.apiCalls)) : undefined,
          jobFailures: d?.jobFailures?.length,
        });
      } else {
        rec.failureType = cause instanceof Error ? cause.name : typeof cause;
        rec.failureMessage = cause instanceof Error ? cause.message : String(cause);
      }
    }
    vlog(
      `run ${spec.i} (${spec.shape}): ${rec.outcome}${rec.failureType ? ` ${rec.failureType}: ${rec.failureMessage}` : ''} in ${rec.durationMs} ms`,
    );
  }

  async function lane(): Promise<void> {
    while (next < specs.length) {
      const spec = specs[next++];
      await runOne(spec);
      finished++;
      if (!flags.json && finished % 10 === 0)
        log(`  ${finished}/${specs.length} runs finished (${fmt((performance.now() - t0) / 1000, 1)} s)`);
    }
  }

  const kills: Kill[] = [];
  let lanesDone = false;
  async function killer(): Promise<void> {
    for (const k of killPlan) {
      while (!lanesDone && finished < k.afterFinished) await sleep(50);
      if (lanesDone) return;
      await sleep(k.jitterMs);
      // Never kill the only worker that polls: the replacement of the previous kill must be up first.
      await Promise.all(live.map((w) => w.proc.ready));
      if (lanesDone) return;
      const phases = await Promise.all(
        [...inFlight].map(async ([run, h]) => ({
          run,
          phase:
            (await withTimeout(
              h.query(progressQuery).then(
                (p) => p.phase,
                () => 'no answer',
              ),
              3000,
            )) ?? 'no answer',
        })),
      );
      const idx = k.victim % live.length;
      const victim = live[idx];
      const kill: Kill = {
        n: kills.length + 1,
        atMs: round(performance.now() - t0, 0),
        pid: victim.proc.child.pid,
        runsFinishedBefore: finished,
        inFlight: phases,
      };
      await victim.proc.kill('SIGKILL');
      victim.log.end();
      kills.push(kill);
      log(
        `  SIGKILL worker ${victim.n} (pid ${kill.pid}) at ${fmt(kill.atMs / 1000, 1)} s; in flight: ${phases.map((p) => `run ${p.run} ${p.phase}`).join(', ') || 'none'}`,
      );
      live[idx] = spawnOne();
    }
  }

  log(`running ${specs.length} exports, ${flags.concurrency} at a time, with ${flags.kills} worker kill(s) ...`);
  const killing = killer();
  await Promise.all(Array.from({ length: Math.max(1, flags.concurrency) }, lane));
  lanesDone = true;
  await killing;
  const wallMs = performance.now() - t0;

  // Runs given up on: where are they now?
  for (const [i, h] of notFinished) {
    const rec = records.find((r) => r.i === i)!;
    rec.status =
      (await withTimeout(
        h.describe().then(
          (d) => d.status.name,
          () => 'unknown',
        ),
        5000,
      )) ?? 'unknown';
    rec.phase =
      (await withTimeout(
        h.query(progressQuery).then(
          (p) => p.phase,
          () => 'unknown',
        ),
        5000,
      )) ?? 'unknown';
  }

  // The history of every run that did not end done, for diagnosis.
  for (const rec of records.filter((r) => r.outcome !== 'done')) {
    const handle = client.workflow.getHandle(exportWorkflowId(rec.volumeId));
    const history = await withTimeout(
      handle.fetchHistory().catch(() => undefined),
      10_000,
    );
    if (!history) continue;
    rec.historyFile = join(outDir, `run-${rec.i}-history.json`);
    writeFileSync(rec.historyFile, JSON.stringify(history, null, 1));
  }

  // Let uploads finish, images activate and killed images expire before the verdict.
  const settled = await settle(admin, 30_000);
  const oracle = admin.oracle();
  const state = admin.state();
  const events = admin.events();

  // ---- analysis ----
  const byI = new Map(records.map((r) => [r.i, r]));
  const runOfImageName = new Map(records.map((r) => [r.imageName, r]));
  const images = state.images.map((img) => ({ id: String(img.id), name: String(img.name), status: String(img.status) }));
  // Orphaned: an image that exists at the end and is neither active nor on its way out, unless it is the image of
  // a run that failed and named it (e.g. a killed upload the run reported). Unclaimed: an active image that no
  // run reported as its own (a second export, or a run that lost track of its image).
  const orphaned = images.filter((img) => {
    if (img.status === 'active' || img.status === 'deleted' || img.status === 'pending_delete') return false;
    const run = runOfImageName.get(img.name);
    return !(run?.outcome === 'failed' && run.imageId === img.id);
  });
  const unclaimed = images.filter((img) => img.status === 'active' && runOfImageName.get(img.name)?.imageId !== img.id);
  const doneWithoutActiveImage = records.filter(
    (r) => r.outcome === 'done' && !images.some((img) => img.id === r.imageId && img.status === 'active'),
  );
  const stoppedServersStarted = specs
    .flatMap((s) => s.servers.filter((x) => !x.running))
    .filter((x) => (oracle.servers[x.id]?.starts ?? 0) > 0 || String(state.servers.find((s) => s.id === x.id)?.status) !== 'SHUTOFF')
    .map((x) => x.id);
  const stopsOfRunning = specs.flatMap((s) => s.servers.filter((x) => x.running)).map((x) => oracle.servers[x.id]?.stops ?? 0);

  const done = records.filter((r) => r.outcome === 'done');
  const failed = records.filter((r) => r.outcome === 'failed');
  const failedWithReason = failed.filter((r) => FAILURE_TYPES.has(r.failureType ?? '') && !!r.failureMessage);
  const failureGroups = new Map<string, { type: string; message: string; runs: number[] }>();
  for (const r of failed) {
    const key = `${r.failureType}\u0000${normalize(r.failureMessage ?? '')}`;
    const g = failureGroups.get(key) ?? { type: r.failureType ?? '?', message: normalize(r.failureMessage ?? ''), runs: [] };
    g.runs.push(r.i);
    failureGroups.set(key, g);
  }

  const appliedByRule = new Map<string, number>();
  for (const e of events)
    if (e.type === 'fault.applied') appliedByRule.set(String(e.faultId), (appliedByRule.get(String(e.faultId)) ?? 0) + 1);
  const faultsApplied = [...ruleIds].map(([id, label]) => ({ id, label, applied: appliedByRule.get(id) ?? 0 }));
  const lostResponses = events.filter((e) => e.type === 'api.call' && e.lost === true).length;

  const perRunCalls = records.map((r) => r.apiCalls).filter((n): n is number => typeof n === 'number');
  const durations = records.map((r) => r.durationMs).filter((n): n is number => typeof n === 'number');

  const verdicts = {
    p1Violations: oracle.p1Violations.length,
    serversNotRestored: oracle.serversNotRestored.length,
    stoppedServersStarted: stoppedServersStarted.length,
    duplicateExports: oracle.duplicateExports.length,
    orphanedImages: orphaned.length,
    unclaimedImages: unclaimed.length,
    notFinished: records.filter((r) => r.outcome === 'not-finished').length,
    failedWithoutReason: failed.length - failedWithReason.length,
    doneWithoutActiveImage: doneWithoutActiveImage.length,
    doneWithServerNotRestarted: done.filter((r) => (r.serversNotReportedRestarted ?? []).length > 0).length,
  };
  const goalMet =
    verdicts.p1Violations === 0 &&
    verdicts.serversNotRestored === 0 &&
    verdicts.duplicateExports === 0 &&
    verdicts.orphanedImages === 0 &&
    verdicts.notFinished === 0 &&
    verdicts.failedWithoutReason === 0;

  const output = {
    bench: 'faults',
    startedAt: new Date(Date.now() - wallMs).toISOString(),
    versions: v,
    params: {
      runs: flags.runs,
      concurrency: flags.concurrency,
      seed,
      kills: flags.kills,
      workers: flags.workers,
      runTimeoutS: flags['run-timeout-s'],
      chaosScale: flags['chaos-scale'],
      uploadFail: flags['upload-fail'],
      timings: admin.config().timings,
      poll: POLL,
      tags: TAGS,
    },
    topology: {
      single: specs.filter((s) => s.shape === 'single').length,
      shared2: specs.filter((s) => s.shape === 'shared2').length,
      shared3: specs.filter((s) => s.shape === 'shared3').length,
      servers: specs.reduce((n, s) => n + s.servers.length, 0),
      alreadyStopped: specs.reduce((n, s) => n + s.servers.filter((x) => !x.running).length, 0),
      disksWithNothingToStop: specs.filter((s) => s.servers.every((x) => !x.running)).length,
    },
    chaos: faultsApplied,
    lostResponses,
    kills,
    outcome: {
      done: done.length,
      failed: failed.length,
      failedWithReason: failedWithReason.length,
      notFinished: verdicts.notFinished,
      adopted: done.filter((r) => r.adopted).length,
      jobFailuresRetried: sum(records.map((r) => r.jobFailures ?? 0)),
    },
    failures: [...failureGroups.values()].sort((a, b) => b.runs.length - a.runs.length),
    verdicts,
    details: {
      p1Violations: oracle.p1Violations,
      serversNotRestored: oracle.serversNotRestored,
      stoppedServersStarted,
      duplicateExports: oracle.duplicateExports,
      orphanedImages: orphaned,
      unclaimedImages: unclaimed,
      doneWithoutActiveImage: doneWithoutActiveImage.map((r) => ({ run: r.i, imageId: r.imageId })),
      notFinished: records
        .filter((r) => r.outcome === 'not-finished')
        .map((r) => ({ run: r.i, volumeId: r.volumeId, status: r.status, phase: r.phase })),
      simSettled: settled,
      maxStopsOfARunningServer: Math.max(0, ...stopsOfRunning),
    },
    apiCalls: {
      perRunFromResults: summarize(perRunCalls),
      oracleTotal: oracle.apiCalls.total,
      oraclePerRun: round(oracle.apiCalls.total / Math.max(1, flags.runs)),
      oracleByOp: oracle.apiCalls.byOp,
    },
    runDurationMs: summarize(durations),
    wallMs: round(wallMs, 0),
    goal: { statement: '0 P1 violations, 0 not restored, 0 duplicates, 0 orphaned, every run done or failed with a reason', met: goalMet },
    logs: outDir,
    runs: [...byI.values()].sort((a, b) => a.i - b.i),
  };
  if (flags.json) {
    console.log(JSON.stringify(output, null, 2));
    return;
  }

  const t = output.params.timings;
  const topoOut = output.topology;
  const lines = [
    'bench:faults — exports under injected cloud faults and worker kills',
    ...versionLines(v),
    `sim       seed ${seed}; stop ${t.stopMs} ms, start ${t.startMs} ms, upload ${t.uploadBaseMs} ms + ${t.uploadMsPerGb} ms/GB, image ${t.imageActivateMs} ms, job INIT ${t.jobInitMs} ms`,
    `workers   ${flags.workers} child processes (spawnWorker), poll ${POLL.initialMs}–${POLL.maxMs} ms × ${POLL.fraction}; ${kills.length} of ${flags.kills} planned SIGKILLs, each followed by a replacement`,
    `runs      ${flags.runs}, ${flags.concurrency} at a time: ${topoOut.single} in-use on 1 server, ${topoOut.shared2} shared on 2, ${topoOut.shared3} shared on 3; ` +
      `${topoOut.servers} servers, ${topoOut.alreadyStopped} already stopped (${topoOut.disksWithNothingToStop} disks with nothing to stop); tags ${TAGS.join(', ')}`,
    '',
    `chaos (simulator fault rules, tried in order; one request-level fault per request)${flags['chaos-scale'] !== 1 ? `, probabilities × ${flags['chaos-scale']}` : ''}:`,
    table(
      ['rule', 'p', 'applied'],
      faultsApplied.map((f) => [f.label, chaos.find((c) => c.label === f.label)?.rule.probability ?? '-', f.applied]),
    ),
    `  responses lost (effect done, connection dropped): ${lostResponses}`,
    '',
    'worker kills:',
    kills.length
      ? table(
          ['#', 'at s', 'pid', 'runs finished', 'in flight (run phase)'],
          kills.map((k) => [
            k.n,
            fmt(k.atMs / 1000, 1),
            k.pid ?? '-',
            k.runsFinishedBefore,
            k.inFlight.map((p) => `${p.run} ${p.phase}`).join(', ') || '-',
          ]),
        )
      : '  none (the runs finished before the planned moments)',
    '',
    table(
      ['outcome', 'count', 'goal'],
      [
        ['done', done.length, ''],
        ['  of which adopted an export in flight', output.outcome.adopted, ''],
        ['failed with a reason (typed failure, message)', failedWithReason.length, ''],
        ['failed without a typed reason', verdicts.failedWithoutReason, '0'],
        [`not finished within ${flags['run-timeout-s']} s`, verdicts.notFinished, '0'],
        ['P1 violations (server not stopped while uploading)', verdicts.p1Violations, '0'],
        ['servers not restored (P2)', verdicts.serversNotRestored, '0'],
        ['stopped servers that were started (P2)', verdicts.stoppedServersStarted, '0'],
        ['duplicate exports (P3)', verdicts.duplicateExports, '0'],
        ['orphaned images', verdicts.orphanedImages, '0'],
        ['unclaimed active images', verdicts.unclaimedImages, '0'],
        ['done runs without an active image', verdicts.doneWithoutActiveImage, '0'],
        ['ECS jobs that failed and were retried', output.outcome.jobFailuresRetried, ''],
      ],
    ),
  ];
  if (failureGroups.size) {
    lines.push('', 'failures (ids replaced by <id>):');
    for (const g of output.failures) {
      lines.push(`  ${g.type} ×${g.runs.length} (runs ${g.runs.join(', ')}): ${g.message}`);
      if (!FAILURE_TYPES.has(g.type)) {
        const r = records.find((x) => x.i === g.runs[0])!;
        lines.push(...(r.failureChain ?? []).slice(1).map((c) => `      caused by ${normalize(c)}`));
        if (r.historyFile) lines.push(`      history: ${r.historyFile}`);
      }
    }
  }
  if (verdicts.notFinished) {
    lines.push(
      '',
      'not finished:',
      ...output.details.notFinished.map((n) => `  run ${n.run} (disk ${n.volumeId}): ${n.status}, phase ${n.phase}`),
    );
  }
  const detail = (title: string, items: unknown[]) => {
    if (items.length)
      lines.push(
        '',
        `${title}:`,
        ...items.slice(0, 20).map((x) => `  ${JSON.stringify(x)}`),
        ...(items.length > 20 ? [`  ... ${items.length - 20} more (see --json)`] : []),
      );
  };
  detail('P1 violations', oracle.p1Violations);
  detail('servers not restored', oracle.serversNotRestored);
  detail('stopped servers that were started', stoppedServersStarted);
  detail('duplicate exports', oracle.duplicateExports);
  detail('orphaned images', orphaned);
  detail('unclaimed active images', unclaimed);
  lines.push(
    '',
    table(
      ['API calls per run', 'median', 'p95', 'max'],
      [
        [
          "from each result's apiCalls (done and failed runs)",
          fmt(median(perRunCalls)),
          fmt(p95(perRunCalls)),
          fmt(Math.max(0, ...perRunCalls)),
        ],
        ['simulator oracle total / runs', output.apiCalls.oraclePerRun, '', ''],
      ],
    ),
    `  oracle total ${oracle.apiCalls.total} counts every HTTP request (throttle retries, token requests, attempts lost with a killed worker);`,
    '  results count the client calls each activity attempt that reported back made.',
    '',
    `run duration  median ${fmt(output.runDurationMs.median / 1000, 1)} s, p95 ${fmt(output.runDurationMs.p95 / 1000, 1)} s, max ${fmt(output.runDurationMs.max / 1000, 1)} s`,
    `wall time     ${fmt(wallMs / 1000, 1)} s for ${flags.runs} runs${settled ? '' : ' (the simulator still had pending transitions 30 s later)'}`,
    '',
    `goal: ${output.goal.statement}: ${verdict(goalMet)}`,
    `worker logs: ${outDir}`,
  );
  console.log(lines.join('\n'));
}

runBench(main);
