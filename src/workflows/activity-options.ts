// Every activity option set the workflows use, in one place. Two kinds of activity (P9):
// - calls: a few API calls each, retried with backoff on transient errors and throttling (P8);
// - waits: one read per attempt; the retry policy is the poll loop (NotReady, activities/poll.ts) and the step's
//   deadline is the scheduleToClose timeout (P6). Between reads a wait holds no worker slot.
// The restart of a stopped server runs its calls on the urgent task queue (api.ts `urgentTaskQueue`). The export
// request and the snapshot strategy's snapshot, which a stopped server waits for, carry `DOWNTIME_PRIORITY`; the
// image's wait and tags after the restarts, which nothing waits for, `BACKGROUND_PRIORITY`: Temporal hands them
// out in that order, and their calls take the API budget's urgent and background lanes. The polls a stopped
// server waits for keep the default: polls that go first read more often and starve other runs' plans.
import type { Priority } from '@temporalio/common';
import { type ActivityOptions, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { admissionTaskQueue, NON_RETRYABLE_TYPES, urgentTaskQueue } from './api';

/** Transient errors and throttling: backoff to 30 s; refusals (non-retryable types) fail at once. */
export const RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
} as const;

// Activities that run longer than 2 s heartbeat (activities/heartbeat.ts): a dead worker is noticed within this.
const HEARTBEAT_TIMEOUT = '10 seconds';
// One attempt: a few requests, each with its own 30 s deadline and throttling retries.
const ATTEMPT_TIMEOUT = '5 minutes';

/** Waits that must not give up while a disk may still be uploading: P1 forbids restarting its servers before. */
export const UNTIL_DISK_RELEASED_MS = 7 * 24 * 3600_000;

/** Temporal's priority keys (1 first … 5 last; 3 the default): a stopped server waits for the activity… */
export const DOWNTIME_PRIORITY: Priority = { priorityKey: 1 };
/** … or nothing does. */
export const BACKGROUND_PRIORITY: Priority = { priorityKey: 5 };

/** The urgent task queue of this run's (api.ts `urgentTaskQueue`), when `urgent`; else the run's own. */
function queue(urgent: boolean | undefined): Pick<ActivityOptions, 'taskQueue'> {
  return urgent ? { taskQueue: urgentTaskQueue(workflowInfo().taskQueue) } : {};
}

const CALLS: ActivityOptions = {
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  scheduleToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: RETRY,
};

/** Calls on the main task queue. */
export const calls = proxyActivities<Activities>(CALLS);

/**
 * Calls that name their step in the Web UI's timeline ("stop web-1, web-2" rather than `acquireHolds`); `urgent`:
 * on the urgent task queue.
 */
export function summarised(summary: string, urgent = false) {
  return proxyActivities<Activities>({ ...CALLS, summary, ...queue(urgent) });
}

/** Calls made while the run's servers are stopped (the snapshot of the snapshot strategy). */
export const downtimeCalls = proxyActivities<Activities>({ ...CALLS, priority: DOWNTIME_PRIORITY });

/** Calls nothing waits for (the image's tags). */
export const backgroundCalls = proxyActivities<Activities>({ ...CALLS, priority: BACKGROUND_PRIORITY });

/**
 * The export request: one attempt per activity, retried by the workflow (export-disk-image.ts) so it is never sent
 * twice (P3). `urgent`: stopped servers wait for it, so it goes on the urgent task queue, as a restart does — not
 * behind the main queue's dispatch rate, which other runs' polls fill.
 */
export function exportRequest(summary?: string, urgent = false) {
  return proxyActivities<Activities>({
    priority: DOWNTIME_PRIORITY,
    startToCloseTimeout: ATTEMPT_TIMEOUT,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    retry: { maximumAttempts: 1 },
    summary,
    ...queue(urgent),
  });
}

export interface WaitStage {
  /** On the urgent task queue (a restart's waits). */
  urgent?: boolean;
  priority?: Priority;
  summary?: string;
}

/** Waits bounded by `deadlineMs`. */
export function waits(deadlineMs: number, { urgent, priority, summary }: WaitStage = {}) {
  return proxyActivities<Activities>({
    summary,
    priority,
    scheduleToCloseTimeout: Math.max(1, Math.round(deadlineMs)),
    startToCloseTimeout: ATTEMPT_TIMEOUT,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    // NotReady sets its own delay; this backoff applies to cloud errors only.
    retry: { ...RETRY, maximumInterval: '60 seconds' },
    ...queue(urgent),
  });
}

/** Calls a restart depends on, on the urgent task queue. */
export function urgentCalls() {
  return proxyActivities<Activities>({ ...CALLS, ...queue(true) });
}

/** The admission: no deadline to be handed out (the queue is the wait), a minute once it runs. */
export function admission(summary: string) {
  return proxyActivities<Activities>({
    summary,
    startToCloseTimeout: '1 minute',
    retry: RETRY,
    taskQueue: admissionTaskQueue(workflowInfo().taskQueue),
  });
}
