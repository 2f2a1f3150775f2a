// The worker processes of one bench:scale case: the built worker (`lib/worker.js`, as the Docker image runs it) or
// `src/worker.ts` through tsx, each in its own OS process (spawnWorker), on one task queue, each with its own Prometheus endpoint; their resource use and their
// schedule-to-start histograms, read before and after the measured part.
import { freePort } from '../../src/dev/dev-server';
import { spawnWorker, type WorkerProcess } from '../../src/dev/worker-process';
import { processUsage, type ProcessUsage } from './process';
import { addBuckets, type Buckets, bucketDiff, parseBuckets, scrape } from './scale-histograms';
import { withTimeout } from './setup';

/** Resolves true once `check` holds (checked every 100 ms). */
async function until(check: () => boolean): Promise<true> {
  while (!check()) await new Promise((r) => setTimeout(r, 100));
  return true;
}

/** The SDK's histograms (seconds, as the worker exports durations), by the prefix of their exposed name. */
export const SCHEDULE_TO_START = {
  workflowTask: 'temporal_workflow_task_schedule_to_start_latency',
  activity: 'temporal_activity_schedule_to_start_latency',
} as const;
export type HistogramKey = keyof typeof SCHEDULE_TO_START;
const PREFIXES = Object.values(SCHEDULE_TO_START);

export interface WorkerGroupOptions {
  count: number;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  cloudEnv: Record<string, string>;
  env: Record<string, string>;
  /** The built worker to run with node; undefined: src/worker.ts through tsx. */
  script?: string;
}

export interface HistogramReading {
  buckets: Record<HistogramKey, Buckets>;
  /** Workers whose endpoint did not answer (their observations are missing). */
  unanswered: number;
  /** The metric names found, to check the prefixes still match what the SDK exposes. */
  names: string[];
}

export class WorkerGroup {
  private constructor(
    readonly workers: WorkerProcess[],
    private readonly metricsUrls: string[],
  ) {}

  static async start(o: WorkerGroupOptions): Promise<WorkerGroup> {
    const ports = await Promise.all(Array.from({ length: o.count }, () => freePort()));
    const workers = ports.map((port) =>
      spawnWorker({
        temporalAddress: o.temporalAddress,
        namespace: o.namespace,
        taskQueue: o.taskQueue,
        cloudEnv: o.cloudEnv,
        ...(o.script ? { script: o.script } : {}),
        env: { ...o.env, EVS_EXPORT_METRICS_HOST: '127.0.0.1', EVS_EXPORT_METRICS_PORT: String(port) },
      }),
    );
    const group = new WorkerGroup(
      workers,
      ports.map((p) => `http://127.0.0.1:${p}/metrics`),
    );
    try {
      await Promise.all(workers.map((w) => w.ready));
      // Measured only once every worker counts the others and holds its share of the account's budget.
      const sharing = ` ${o.count} worker${o.count === 1 ? '' : 's'} of task queue`;
      const shared = (w: WorkerProcess) => w.lines.some((l) => l.startsWith('API budget:') && l.includes(sharing));
      if ((await withTimeout(until(() => workers.every(shared)), 60_000)) === undefined)
        throw new Error(`the workers did not all count${sharing} "${o.taskQueue}" within 60 s`);
    } catch (err) {
      await group.stop();
      throw err;
    }
    return group;
  }

  /** Watches every worker's memory and CPU until `stop()`. */
  watch(): { stop(): (ProcessUsage | null)[] } {
    const usages = this.workers.map((w) => processUsage(w.child.pid));
    return { stop: () => usages.map((u) => u.stop()) };
  }

  /** The schedule-to-start histograms, summed over the workers. */
  async histograms(): Promise<HistogramReading> {
    const texts = await Promise.all(this.metricsUrls.map(scrape));
    const sum: Record<HistogramKey, Buckets> = { workflowTask: new Map(), activity: new Map() };
    const names = new Set<string>();
    for (const text of texts) {
      if (text === undefined) continue;
      const parsed = parseBuckets(text, PREFIXES);
      for (const key of Object.keys(SCHEDULE_TO_START) as HistogramKey[]) addBuckets(sum[key], parsed.get(SCHEDULE_TO_START[key])!);
      for (const m of text.matchAll(/^(temporal_[a-z_]*schedule_to_start[a-z_]*?)_bucket\{/gm)) names.add(m[1]);
    }
    return { buckets: sum, unanswered: texts.filter((t) => t === undefined).length, names: [...names].sort() };
  }

  /** SIGTERM (the worker's graceful shutdown), SIGKILL if it is not gone within 30 s. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if ((await withTimeout(w.kill('SIGTERM'), 30_000)) === undefined) await w.kill('SIGKILL');
      }),
    );
  }

  /** The last lines each worker printed (for a case that went wrong). */
  tails(lines = 10): string[][] {
    return this.workers.map((w) => w.lines.slice(-lines));
  }
}

export function histogramDiff(after: HistogramReading, before: HistogramReading): Record<HistogramKey, Buckets> {
  return {
    workflowTask: bucketDiff(after.buckets.workflowTask, before.buckets.workflowTask),
    activity: bucketDiff(after.buckets.activity, before.buckets.activity),
  };
}
