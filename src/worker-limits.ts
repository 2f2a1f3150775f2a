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

/**
 * Admission before stopping servers (EVS_EXPORT_ADMISSION): `auto` (default), as many exports a second as the
 * account's budget carries through with room to spare (none with no budget); a number of exports a second; or
 * `off`. Across the workers of the task queue: the server hands out the admissions.
 */
export type AdmissionSetting = 'off' | 'auto' | number;

/**
 * Exports a second the budget carries: each makes about this many calls when its reads are not held up (bench:scale:
 * 28 at 300 exports admitted at 2.5/s, 21 when none waits for admission and reads queue behind each other).
 */
const CALLS_PER_EXPORT = 28;
/**
 * Of the budget, for the runs admitted; the rest for the plans of runs still waiting, and retries. bench:scale at
 * 300 exports, budget 100/s: admitted at 2.5/s a server's downtime was 1.5× its intrinsic time (median), at 4/s 9.9×,
 * unadmitted 30×.
 */
const ADMITTED_SHARE = 0.7;

export function admissionFromEnv(env: NodeJS.ProcessEnv = process.env): AdmissionSetting {
  const raw = env.EVS_EXPORT_ADMISSION?.trim();
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (raw === 'off') return 'off';
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new WorkerConfigError(
      `EVS_EXPORT_ADMISSION: expected off, auto or a number of exports per second above 0, got ${JSON.stringify(raw)}`,
    );
  return n;
}

/** Admissions per second for a setting and the account's rate; undefined when off, or auto with no limit to keep. */
export function admissionRate(setting: AdmissionSetting, accountRps: number): number | undefined {
  if (setting === 'off') return undefined;
  if (setting === 'auto')
    return Number.isFinite(accountRps) && accountRps > 0 ? (accountRps * ADMITTED_SHARE) / CALLS_PER_EXPORT : undefined;
  return setting;
}
