// bench:scale — N concurrent exports of N distinct disks (each in use on a running server of its own), N in
// --sizes, on 1 and 2 worker processes (--workers), on the Temporal dev server or the production-like cluster
// (--target). Per case: wall time, exports per minute, the SDK's schedule-to-start p95 (workflow tasks,
// activities) from the workers' Prometheus endpoints, worker RSS peak, API calls per export, per-server downtime
// over the simulator's intrinsic time, what the promises forbid (oracle), and the busiest second the simulator saw
// beside the account's API budget. The issue's goals are printed as verdicts; nothing is asserted.
//
//   npm run bench:scale [-- --sizes 1,10,100,1000 --workers 1,2 --target dev-server --api-rps 100 --json]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { FAST_TIMINGS } from '../src/dev/fast';
import { createSim, type Timings } from '../src/sim';
import { DEFAULT_LIMITS } from '../src/worker-limits';
import { intList, parseFlags, SIM_TIMING_FLAGS, simTimings, UsageError } from './lib/flags';
import { type CaseResult, intrinsicMs, runCase } from './lib/scale-case';
import { caseTables, foldRuns, type Goal, goalLines, goals } from './lib/scale-report';
import { startTarget, TARGETS, type TargetName } from './lib/scale-target';
import { versionLines, versions } from './lib/report';
import { onShutdown, runBench } from './lib/setup';

const ROOT = resolve(__dirname, '..');

const fast = FAST_TIMINGS.timings!;
// The shared timing flags, defaulting to the fast timings (src/dev/fast.ts) instead of the downtime bench's.
const TIMING_FLAGS = {
  'stop-ms': { ...SIM_TIMING_FLAGS['stop-ms'], default: fast.stopMs! },
  'start-ms': { ...SIM_TIMING_FLAGS['start-ms'], default: fast.startMs! },
  'upload-base-ms': { ...SIM_TIMING_FLAGS['upload-base-ms'], default: fast.uploadBaseMs! },
  'upload-ms-per-gb': { ...SIM_TIMING_FLAGS['upload-ms-per-gb'], default: fast.uploadMsPerGb! },
};

/** What `--json` prints (the `runs` only when a case repeats). */
interface Output {
  versions: ReturnType<typeof versions>;
  params: {
    target: TargetName;
    sizeGb: number;
    timings: Timings;
    intrinsicMs: number;
    apiBudget: { requestsPerSecond: number; burst: number };
    workerLimits: { activitySlots: number; urgentActivitySlots: number; workflowTaskSlots: number; maxCachedWorkflows: number };
    /** The workers' V8 heap limit, MB; undefined = Node's default. */
    workerHeapMb?: number;
    /** EVS_EXPORT_ADMISSION of the workers. */
    admission: string;
    /** `built`: lib/worker.js with node, as the Docker image runs it; `source`: src/worker.ts through tsx. */
    worker: WorkerKind;
    warmupPerWorker: number;
    runs: number;
  };
  cases: CaseResult[];
  goals: Goal[];
}

const flags = parseFlags('bench:scale', 'N concurrent exports of distinct disks on 1 and 2 worker processes', {
  sizes: { kind: 'string', default: '1,10,100,1000', help: 'comma-separated N: concurrent exports per case' },
  workers: { kind: 'string', default: '1,2', help: 'comma-separated worker process counts' },
  target: { kind: 'string', default: 'dev-server', help: `where Temporal runs: ${TARGETS.join(' or ')}` },
  runs: { kind: 'int', default: 1, help: 'repetitions of each case (the tables show medians)' },
  warmup: {
    kind: 'int',
    default: 2,
    help: 'unmeasured exports per worker process before each case, in rounds of one per worker (first token, JIT, step times)',
  },
  'size-gb': { kind: 'int', default: 10, help: 'every disk' },
  'api-rps': { kind: 'number', default: 100, help: "the account's API budget, requests/s, given to every worker (EVS_EXPORT_API_RPS)" },
  'api-burst': { kind: 'int', default: 0, help: 'its burst (EVS_EXPORT_API_BURST); 0 = the same as --api-rps' },
  'activity-slots': { kind: 'int', default: 0, help: "each worker's activity slots (EVS_EXPORT_ACTIVITY_SLOTS); 0 = its default" },
  'workflow-task-slots': {
    kind: 'int',
    default: 0,
    help: "each worker's workflow task slots (EVS_EXPORT_WORKFLOW_TASK_SLOTS); 0 = its default",
  },
  'max-cached-workflows': {
    kind: 'int',
    default: 3000,
    help: "each worker's workflow cache (EVS_EXPORT_MAX_CACHED_WORKFLOWS): 1000 exports + their 1000 holds + warm-ups",
  },
  admission: {
    kind: 'string',
    default: '',
    help: "admission before stopping servers (EVS_EXPORT_ADMISSION): off, auto (from the budget) or exports per second; '' = the worker's default (auto)",
  },
  worker: {
    kind: 'string',
    default: 'built',
    help: 'built: `npm run build` first, then node lib/worker.js, as the Docker image runs it; source: src/worker.ts through tsx (`npm run worker`)',
  },
  'worker-heap-mb': {
    kind: 'int',
    default: 512,
    help: "each worker's V8 heap limit (NODE_OPTIONS=--max-old-space-size), as the Docker image sets it; 0 = Node's default (a quarter of the memory, up to 4 GB)",
  },
  'export-timeout-s': { kind: 'int', default: 1200, help: 'an export not finished this long after the case began counts as not finished' },
  'rss-limit-mb': { kind: 'int', default: 1024, help: "the goal's bound on one worker's RSS at N=1000" },
  seed: { kind: 'int', default: 1, help: "the simulator's seed" },
  json: { kind: 'boolean', default: false, help: 'print one JSON object instead of the tables' },
  'tables-file': { kind: 'string', default: '', help: 'also write the tables to this file (with --json: one run, both forms)' },
  ...TIMING_FLAGS,
});

const WORKER_KINDS = ['built', 'source'] as const;
type WorkerKind = (typeof WORKER_KINDS)[number];

/** `npm run build`: the built worker and its prebuilt workflow bundle, as the Docker image has them. */
function buildWorker(log: (line: string) => void): string {
  log('building the worker (npm run build) ...');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(ROOT, 'lib', 'worker.js');
}

async function main(): Promise<void> {
  const sizes = intList(flags.sizes, 'sizes').sort((a, b) => a - b);
  const workerCounts = intList(flags.workers, 'workers');
  const target = flags.target as TargetName;
  if (!TARGETS.includes(target)) throw new UsageError(`--target: expected ${TARGETS.join(' or ')}, got ${JSON.stringify(flags.target)}`);
  const worker = flags.worker as WorkerKind;
  if (!WORKER_KINDS.includes(worker)) throw new UsageError(`--worker: expected built or source, got ${JSON.stringify(flags.worker)}`);
  if (!sizes.length || !workerCounts.length || flags.runs < 1)
    throw new UsageError('--sizes, --workers and --runs need at least one value');
  if (flags['size-gb'] < 1 || flags['api-rps'] <= 0) throw new UsageError('--size-gb and --api-rps must be above 0');
  const apiBurst = flags['api-burst'] || flags['api-rps'];
  // Progress goes to stderr in both modes: stdout stays one JSON object with --json.
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const v = versions();
  const startedAt = new Date().toISOString();

  log(`starting the ${target}, the simulator ...`);
  const t = await startTarget(target, log);
  const sim = await createSim({ seed: flags.seed, config: { timings: { ...fast, ...simTimings(flags) } } });
  onShutdown(() => sim.close());
  const connection = await Connection.connect({ address: t.address });
  onShutdown(() => connection.close());
  const client = new Client({ connection, namespace: t.namespace });
  const timings = sim.sim.config().timings;

  const setting = (value: number, name: string) => (value ? { [name]: String(value) } : {});
  const workerEnv = {
    EVS_EXPORT_API_RPS: String(flags['api-rps']),
    EVS_EXPORT_API_BURST: String(apiBurst),
    ...setting(flags['activity-slots'], 'EVS_EXPORT_ACTIVITY_SLOTS'),
    ...setting(flags['workflow-task-slots'], 'EVS_EXPORT_WORKFLOW_TASK_SLOTS'),
    ...setting(flags['max-cached-workflows'], 'EVS_EXPORT_MAX_CACHED_WORKFLOWS'),
    ...(flags['worker-heap-mb'] ? { NODE_OPTIONS: `--max-old-space-size=${flags['worker-heap-mb']}` } : {}),
    ...(flags.admission ? { EVS_EXPORT_ADMISSION: flags.admission } : {}),
  };
  const workerScript = worker === 'built' ? buildWorker(log) : undefined;

  const cases: CaseResult[] = [];
  const runs: CaseResult[] = [];
  for (const workers of workerCounts) {
    for (const n of sizes) {
      const reps: CaseResult[] = [];
      for (let rep = 0; rep < flags.runs; rep++) {
        const r = await runCase({
          target: t,
          client,
          sim,
          workers,
          n,
          sizeGb: flags['size-gb'],
          warmupPerWorker: flags.warmup,
          exportTimeoutS: flags['export-timeout-s'],
          apiRps: flags['api-rps'],
          apiBurst,
          workerEnv,
          workerScript,
          log,
        });
        log(
          `  done ${r.done}/${n} in ${(r.wallMs / 1000).toFixed(1)} s; RSS ${r.workerRssMaxMb} MB; ${r.apiCallsPerExport} calls/export; ` +
            `busiest second ${r.maxRequestsIn1s} requests; s2s p95 WFT ${r.scheduleToStart.workflowTask.p95} s, activity ${r.scheduleToStart.activity.p95} s; ` +
            `downtime/intrinsic p50 ${r.downtimeOverIntrinsic.median}; P1 ${r.p1Violations}, not restored ${r.serversNotRestored}, duplicates ${r.duplicateExports}`,
        );
        reps.push(r);
      }
      runs.push(...reps);
      cases.push(foldRuns(reps));
    }
  }

  const output = {
    bench: 'scale',
    startedAt,
    versions: v,
    params: {
      target,
      sizes,
      workers: workerCounts,
      runs: flags.runs,
      warmupPerWorker: flags.warmup,
      sizeGb: flags['size-gb'],
      topology: 'each disk in use on a running server of its own (every export stops and restarts one server)',
      timings,
      intrinsicMs: intrinsicMs(timings, flags['size-gb']),
      apiBudget: {
        requestsPerSecond: flags['api-rps'],
        burst: apiBurst,
        scope: 'the account, shared by the workers (EVS_EXPORT_API_RPS/_BURST)',
      },
      workerLimits: {
        activitySlots: flags['activity-slots'] || DEFAULT_LIMITS.activitySlots,
        urgentActivitySlots: DEFAULT_LIMITS.urgentActivitySlots,
        workflowTaskSlots: flags['workflow-task-slots'] || DEFAULT_LIMITS.workflowTaskSlots,
        maxCachedWorkflows: flags['max-cached-workflows'] || DEFAULT_LIMITS.maxCachedWorkflows,
      },
      ...(flags['worker-heap-mb'] ? { workerHeapMb: flags['worker-heap-mb'] } : {}),
      admission: flags.admission || 'auto (the default)',
      worker,
      workerPoll: 'default (as users run it)',
      exportTimeoutS: flags['export-timeout-s'],
      simulatorRateLimit: 'none: the simulator answers every request; 429s appear only from fault rules (none set here)',
    },
    cases,
    goals: goals(cases, flags['rss-limit-mb']),
    ...(flags.runs > 1 ? { runs } : {}),
  };
  const text = human(output, t.name);
  if (flags['tables-file']) writeFileSync(flags['tables-file'], `${text}\n`);
  console.log(flags.json ? JSON.stringify(output, null, 2) : text);
}

/** The human-readable report of the output object (`--json` prints the object itself). */
function human(output: Output, targetName: string): string {
  const { params: p, versions: v, cases } = output;
  const { timings, target } = p;
  const lines = [
    'bench:scale — N concurrent exports of distinct disks, each in use on a running server of its own',
    ...versionLines(v),
    `target    ${target}${targetName === 'cluster' ? ' (PostgreSQL + Temporal server, scripts/cluster)' : ' (temporal server start-dev, SQLite in memory)'}`,
    `sim       stop ${timings.stopMs} ms, start ${timings.startMs} ms, upload ${timings.uploadBaseMs} ms + ${timings.uploadMsPerGb} ms/GB, image ${timings.imageActivateMs} ms; ` +
      `disks of ${p.sizeGb} GB: intrinsic ${p.intrinsicMs} ms per server (stop + upload + start)`,
    `workers   ${p.worker === 'built' ? 'lib/worker.js (built)' : 'src/worker.ts (tsx)'} processes, default poll policy; API budget ${p.apiBudget.requestsPerSecond} requests/s, burst ${p.apiBudget.burst} (the account's, shared by the workers); ` +
      `${p.workerLimits.activitySlots} activity slots (+${p.workerLimits.urgentActivitySlots} urgent), ${p.workerLimits.workflowTaskSlots} workflow task slots, cache ${p.workerLimits.maxCachedWorkflows}, ` +
      `heap ${p.workerHeapMb ? `${p.workerHeapMb} MB` : "Node's default"}, admission ${p.admission}; ` +
      `fresh workers per case, ${p.warmupPerWorker} warm-up round(s) of one export per worker first`,
    `runs      ${p.runs} per case${p.runs > 1 ? ' (medians; violations summed)' : ''}; the simulator has no rate limiter of its own: the rate below is what it was sent`,
    '',
    ...caseTables(cases),
    '  s2s = schedule-to-start (the SDK histograms temporal_*_schedule_to_start_latency, this case only, all workers; > = above the last bucket).',
    "  down/intrinsic: per server, the oracle's downtime over stop + upload + start. The budget columns are what one token bucket lets through.",
    '',
    ...goalLines(output.goals),
  ];
  const failures = cases.flatMap((c) => c.failures.map((f) => `  ${c.target} ${c.workers}w N=${c.n}: ${f}`));
  if (failures.length)
    lines.push(
      '',
      'exports that failed:',
      ...failures.slice(0, 20),
      ...(failures.length > 20 ? [`  ... ${failures.length - 20} more`] : []),
    );
  return lines.join('\n');
}

runBench(main);
