// The worker: builds its dependencies once (one cloud client = one API budget per account on this worker),
// polls two task queues — the main one (workflows and their activities) and the urgent one (the calls of
// server restarts, with their own slots and the urgent lane of the API budget, P9) — and shuts down
// gracefully on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { type PollPolicy, pollPolicyFromEnv } from './activities/poll';
import { createCloudClient, describeCloudConfig, loadCloudConfig } from './cloud';
import type { CloudApi } from './cloud/types';
import type { RateLimit } from './cloud/ratelimit';
import { loadTemporalSettings } from './config';
import { ensureSearchAttributes } from './search-attributes';
import { BUNDLE_OPTIONS, bundleFile, bundleOptions } from './bundle-workflows';
import { type AdmissionSetting, admissionFromEnv, admissionRate, DEFAULT_LIMITS, limitsFromEnv, type WorkerLimits } from './worker-limits';
import { describeWorkerDeployment, type WorkerDeployment, workerDeploymentFromEnv } from './worker-deployment';
import { cloudCallMetrics, metricsAddressFromEnv, prometheusMetrics, watchServersHeld } from './telemetry/metrics';
import { traceExporterFromEnv } from './telemetry/trace-config';
import { observeAll, startTracing, type Tracing } from './telemetry/tracing';
import { admissionTaskQueue, urgentTaskQueue } from './workflows/api';
import { AccountBudget, type AccountBudgetOptions, queueActivityRate } from './account-budget';

export interface ExportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  cloud: CloudApi;
  /** Temporal client for the per-server holds; built from `connection` when absent. */
  client?: Client;
  /** How often a server hold checks its holders still run (EVS_EXPORT_HOLD_LIVENESS_MS, default 30 s). */
  holdLivenessMs?: number;
  poll?: Partial<PollPolicy>;
  /**
   * A pre-built bundle (tests bundle once per file; with tracing on, of bundleOptions(true)); otherwise
   * `npm run build`'s bundle, or bundled at start.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Slots and cache; defaults from worker-limits.ts, then EVS_EXPORT_* variables (see limitsFromEnv). */
  limits?: Partial<WorkerLimits>;
  /** Worker Versioning (src/worker-deployment.ts, EVS_EXPORT_DEPLOYMENT_NAME/EVS_EXPORT_BUILD_ID); absent = unversioned. */
  deployment?: WorkerDeployment;
  /** From startTracing (src/telemetry/tracing.ts); default off. */
  tracing?: Tracing;
  /** Lines for the operator (how the account's budget is shared); default the Runtime's logger at INFO. */
  log?: (line: string) => void;
  /** How the workers share the account's API budget (src/account-budget.ts); false: this worker takes all of it. */
  accountBudget?: Pick<AccountBudgetOptions, 'refreshMs' | 'pollerWindowMs'> | false;
  /** Admission before stopping servers; default EVS_EXPORT_ADMISSION (auto). */
  admission?: AdmissionSetting;
}

/** The workers of one process (main, urgent, and admission when on), run and stopped together. */
export class ExportWorker {
  constructor(
    readonly main: Worker,
    readonly urgent: Worker,
    /** This worker's share of the account's API budget; absent when the budget is unlimited or not shared. */
    readonly budget?: AccountBudget,
    /** The admission task queue's worker; absent when admission is off. */
    readonly admission?: Worker,
  ) {}

  private get workers(): Worker[] {
    return [this.main, this.urgent, ...(this.admission ? [this.admission] : [])];
  }

  getState(): ReturnType<Worker['getState']> {
    return this.main.getState();
  }

  shutdown(): void {
    for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
  }

  /** Runs them all until shut down; if one stops, so do the others. */
  async run(): Promise<void> {
    this.budget?.start();
    const results = await Promise.allSettled(this.workers.map((w) => w.run().finally(() => this.shutdown())));
    await this.budget?.stop();
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Runs them all while `work` is pending, as `Worker.runUntil` does. */
  async runUntil<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const running = this.run();
    const stopped = running.then(() => {
      throw new Error('the worker stopped before the work was done');
    });
    stopped.catch(() => undefined);
    try {
      return await Promise.race([typeof work === 'function' ? work() : work, stopped]);
    } finally {
      this.shutdown();
      await running;
    }
  }
}

// A directory path: the SDK's bundler resolves its index (.ts from source, .js when built).
export const WORKFLOWS_PATH = BUNDLE_OPTIONS.workflowsPath;

/**
 * The given bundle; else the one `npm run build` wrote beside the built worker (traced or not); else bundle from
 * source at start.
 */
function workflowCode(bundle: WorkerOptions['workflowBundle'], traced: boolean): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundle) return { workflowBundle: bundle };
  if (existsSync(bundleFile(traced))) return { workflowBundle: { codePath: bundleFile(traced) } };
  return { workflowsPath: WORKFLOWS_PATH };
}

/** With a bundle, its interceptors are inside it; bundled at start, they are added here. */
function workflowInterceptors(code: Pick<WorkerOptions, 'workflowBundle'>, traced: boolean): string[] {
  return code.workflowBundle ? [] : bundleOptions(traced).workflowInterceptorModules;
}

/** For the start-up line: where this worker's workflow code comes from. */
export function workflowCodeSource(traced = false): string {
  return existsSync(bundleFile(traced)) ? 'the prebuilt bundle' : 'bundled from source';
}

export async function createExportWorker(o: ExportWorkerOptions): Promise<ExportWorker> {
  const limits: WorkerLimits = { ...DEFAULT_LIMITS, ...limitsFromEnv(), ...o.limits };
  const tracing = o.tracing ?? startTracing({ exporter: 'none', serviceName: 'evs-export-worker' });
  const deps = {
    cloud: o.cloud,
    client: o.client ?? new Client({ connection: o.connection, namespace: o.namespace, interceptors: tracing.client }),
    holdLivenessMs: o.holdLivenessMs ?? (Number(process.env.EVS_EXPORT_HOLD_LIVENESS_MS) || undefined),
    poll: o.poll,
  };
  const budget = o.cloud.budget();
  const admitting = admissionRate(o.admission ?? admissionFromEnv(), budget.account().requestsPerSecond);
  const common = {
    connection: o.connection,
    namespace: o.namespace,
    ...(o.identity ? { identity: o.identity } : {}),
    // All the workers (main, urgent and admission queue) in one Worker Deployment Version: a pinned run's activities stay on it.
    ...o.deployment,
    // Activities heartbeat; on shutdown they get time to notice and hand over cleanly.
    shutdownGraceTime: '20 seconds',
    // Cancellation reaches an activity only with a heartbeat; without this cap heartbeats (and so a cancel) could
    // wait 80% of the heartbeat timeout. A few heartbeat calls a second per worker are cheap.
    maxHeartbeatThrottleInterval: '1 second',
  } satisfies Partial<WorkerOptions>;
  const code = workflowCode(o.workflowBundle, tracing.enabled);
  const account = o.accountBudget === false ? undefined : queueActivityRate(budget.account());
  const main = await Worker.create({
    ...common,
    taskQueue: o.taskQueue,
    ...code,
    interceptors: { ...tracing.worker.interceptors, workflowModules: workflowInterceptors(code, tracing.enabled) },
    sinks: tracing.worker.sinks,
    activities: createActivities({ ...deps, admission: admitting !== undefined }),
    maxConcurrentActivityTaskExecutions: limits.activitySlots,
    // The account's rate, server-side: no more cloud activities start per second across all workers (account-budget.ts).
    ...(account !== undefined ? { maxTaskQueueActivitiesPerSecond: account } : {}),
    maxConcurrentWorkflowTaskExecutions: limits.workflowTaskSlots,
    maxCachedWorkflows: limits.maxCachedWorkflows,
  });
  const urgent = await Worker.create({
    ...common,
    taskQueue: urgentTaskQueue(o.taskQueue),
    ...(tracing.worker.interceptors ? { interceptors: tracing.worker.interceptors } : {}),
    activities: createActivities({ ...deps, priority: 'urgent' }),
    maxConcurrentActivityTaskExecutions: limits.urgentActivitySlots,
  });
  const shared =
    account === undefined || o.accountBudget === false
      ? undefined
      : new AccountBudget({
          ...o.accountBudget,
          service: o.connection.workflowService,
          namespace: o.namespace,
          taskQueue: o.taskQueue,
          identity: main.options.identity,
          account: budget.account(),
          budget,
          log: o.log ?? ((line) => Runtime.instance().logger.info(line)),
        });
  // Admissions before stopping servers: handed out by the server at the rate the account's budget carries, across
  // every worker; each is a no-op activity, so a few slots serve any rate.
  const admission =
    admitting === undefined
      ? undefined
      : await Worker.create({
          ...common,
          taskQueue: admissionTaskQueue(o.taskQueue),
          activities: { admit: createActivities(deps).admit },
          maxConcurrentActivityTaskExecutions: 10,
          maxTaskQueueActivitiesPerSecond: admitting,
        });
  return new ExportWorker(main, urgent, shared, admission);
}

function describeAdmission({ admission }: ExportWorker): string {
  if (!admission) return 'off (EVS_EXPORT_ADMISSION)';
  const { maxTaskQueueActivitiesPerSecond: rate = 0, taskQueue } = admission.options;
  return `${Math.round(rate * 100) / 100} exports/s may begin stopping servers, across the workers (task queue "${taskQueue}")`;
}

function describeBudget(account: RateLimit): string {
  if (queueActivityRate(account) === undefined) return 'unlimited';
  return `${account.requestsPerSecond} requests/s (burst ${account.burst}) for the account, shared with the other workers of the task queue`;
}

async function main(): Promise<void> {
  const metricsAddress = metricsAddressFromEnv();
  const traces = traceExporterFromEnv();
  Runtime.install({
    logger: new DefaultLogger((process.env.LOG_LEVEL as 'INFO') || 'INFO'),
    ...(metricsAddress ? { telemetryOptions: { metrics: prometheusMetrics(metricsAddress) } } : {}),
  });
  const meter = Runtime.instance().metricMeter;
  const tracing = startTracing({ exporter: traces, serviceName: 'evs-export-worker' });
  const temporal = loadTemporalSettings();
  const cloudConfig = loadCloudConfig();
  const cloud = createCloudClient(cloudConfig, {
    observer: observeAll(metricsAddress ? cloudCallMetrics(meter) : undefined, tracing.http),
  });
  const client = await Connection.connect(temporal.connectionOptions);
  try {
    const added = await ensureSearchAttributes(client, temporal.namespace);
    if (added.length) console.log(`registered search attributes: ${added.join(', ')}`);
  } catch (err) {
    throw new Error(
      `search attributes are missing on namespace ${temporal.namespace} and could not be created (${(err as Error).message}); ` +
        'create them once with `evs-export setup` or in Temporal Cloud: ' +
        'EvsVolumeId, EvsPhase, EvsImageId (Keyword), EvsServerIds (KeywordList)',
    );
  } finally {
    await client.close();
  }
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  const held = metricsAddress ? watchServersHeld(new Client({ connection, namespace: temporal.namespace }), meter) : undefined;
  try {
    const worker = await createExportWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      cloud,
      poll: pollPolicyFromEnv(),
      deployment: workerDeploymentFromEnv(),
      tracing,
      log: (line) => console.log(line),
    });
    console.log(
      `worker polling task queue "${temporal.taskQueue}" (and "${urgentTaskQueue(temporal.taskQueue)}" for restarts) ` +
        `on ${temporal.address} ` +
        `(namespace ${temporal.namespace}); workflows: ${workflowCodeSource(tracing.enabled)}; cloud: ${describeCloudConfig(cloudConfig)}; ` +
        `API budget: ${describeBudget(cloud.budget().account())}; ` +
        `admission: ${describeAdmission(worker)}; ` +
        `version: ${describeWorkerDeployment(worker.main.options)}; ` +
        `metrics: ${metricsAddress ? `http://${metricsAddress}/metrics` : 'off (EVS_EXPORT_METRICS_PORT)'}; ` +
        `traces: ${traces === 'none' ? 'off (OTEL_TRACES_EXPORTER)' : traces}`,
    );
    await worker.run();
  } finally {
    held?.stop();
    await connection.close();
    await cloud.close();
    await tracing.shutdown();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
