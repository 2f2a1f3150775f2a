// How much one worker process takes on at once. Chosen from `npm run bench:concurrency` (bench/README.md), and
// settable per deployment through the environment. Nothing in an export waits inside an activity (P9), so the
// activity slots bound how many calls and reads are in flight, not how many exports can run.
export interface WorkerLimits {
  /** Activities at once on the main task queue: plans, stops, export requests and the reads of waits. */
  activitySlots: number;
  /** Activities at once on the urgent task queue: the calls of server restarts. */
  urgentActivitySlots: number;
  /** Workflow tasks at once. */
  workflowTaskSlots: number;
  /** Workflows kept in memory between their tasks (sticky cache); each export and each server hold is one. */
  maxCachedWorkflows: number;
}

export const DEFAULT_LIMITS: WorkerLimits = {
  activitySlots: 100,
  urgentActivitySlots: 20,
  workflowTaskSlots: 40,
  maxCachedWorkflows: 2000,
};

const ENV: Record<keyof WorkerLimits, string> = {
  activitySlots: 'EVS_EXPORT_ACTIVITY_SLOTS',
  urgentActivitySlots: 'EVS_EXPORT_URGENT_ACTIVITY_SLOTS',
  workflowTaskSlots: 'EVS_EXPORT_WORKFLOW_TASK_SLOTS',
  maxCachedWorkflows: 'EVS_EXPORT_MAX_CACHED_WORKFLOWS',
};

export class WorkerConfigError extends Error {
  override name = 'WorkerConfigError';
}

/** The limits set in the environment; a value that is not a whole number ≥ 1 is refused, naming the variable. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<WorkerLimits> {
  const out: Partial<WorkerLimits> = {};
  for (const [field, name] of Object.entries(ENV) as [keyof WorkerLimits, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
      throw new WorkerConfigError(`${name}: expected a whole number of at least 1, got ${JSON.stringify(raw)}`);
    out[field] = n;
  }
  return out;
}
