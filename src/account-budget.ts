// One API budget per cloud account, across every worker of the task queue (P8). The cloud limits the account,
// not a worker, so the workers divide its budget among themselves, with the Temporal server as the one place they
// all see:
// - each worker's token bucket (src/cloud/ratelimit.ts) takes its share: the account's rate and burst divided by
//   the workers that poll the task queue (DescribeTaskQueue's pollers, read every few seconds);
// - the server caps how fast the task queue hands out activities — the worker option
//   maxTaskQueueActivitiesPerSecond, set to the account's rate: every activity that calls the cloud makes at least
//   one call, so the fleet cannot start more of them than the budget allows, whatever the number of workers and
//   also in the seconds before a new worker is counted;
// - a throttled answer lowers both: this worker's bucket halves at once (ratelimit.ts), and the task queue's
//   server-side rate (UpdateTaskQueueConfig, which overrides the worker option) halves, so every worker of the
//   account slows down, not only the one the cloud answered. The server-side rate grows back at 5 % of the
//   account's rate per second, counted from the server's own update time, so any number of workers raise it at
//   that pace together; when it is back, the override is removed. A limit someone else set (an operator's reason)
//   is left alone, and a server without the API (or a namespace without the permission) keeps the worker option.
import type { WorkflowService } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { ApiBudget, RateLimit } from './cloud/ratelimit';

const ACTIVITY = temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
/** Marks the server-side limits this project sets: others' are not touched. */
export const REASON_PREFIX = 'evs-export:';
/** Recovery: this fraction of the account's rate per second. */
const RECOVERY_PER_SECOND = 0.05;
/** Never below this fraction of the account's rate. */
const FLOOR = 1 / 16;
/** Throttles within this long of the last halving are the same overload (several workers, several calls). */
const SAME_THROTTLE_MS = 1_000;
/** gRPC PERMISSION_DENIED, UNIMPLEMENTED: a server or namespace without the API. */
const REFUSED = new Set([7, 12]);

export interface AccountBudgetOptions {
  service: WorkflowService;
  namespace: string;
  /** The task queue whose activities call the cloud (the main one). */
  taskQueue: string;
  /** This worker's identity, as its pollers report it. */
  identity: string;
  /** The account's budget (every worker's configuration says the same). */
  account: RateLimit;
  /** This worker's token bucket. */
  budget: ApiBudget;
  /** How often the workers are counted and the server-side rate raised back (default 5 s). */
  refreshMs?: number;
  /** A poller not seen for this long has stopped (default 90 s: an idle worker polls again every minute). */
  pollerWindowMs?: number;
  /** Told when the number of workers changes, and once when the server refuses to set the queue's rate. */
  log?: (line: string) => void;
  now?: () => number;
}

export interface AccountBudgetView {
  /** Workers counted at the last refresh, this one included. */
  workers: number;
  /** The server-side rate this project set, or undefined when none is set (the worker option holds). */
  queueRate: number | undefined;
}

/** The worker option that caps the task queue's activity dispatch at the account's rate; none when unlimited. */
export function queueActivityRate(account: RateLimit): number | undefined {
  return Number.isFinite(account.requestsPerSecond) && account.requestsPerSecond > 0 ? account.requestsPerSecond : undefined;
}

export class AccountBudget {
  private readonly refreshMs: number;
  private readonly pollerWindowMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private lastCut = -Infinity;
  private apiRefused = false;
  private counted = false;
  private state: AccountBudgetView = { workers: 1, queueRate: undefined };

  constructor(private readonly o: AccountBudgetOptions) {
    this.refreshMs = o.refreshMs ?? 5_000;
    this.pollerWindowMs = o.pollerWindowMs ?? 90_000;
    this.now = o.now ?? Date.now;
  }

  /** Counts the workers now and every refreshMs; listens for throttles. */
  start(): void {
    if (this.timer || queueActivityRate(this.o.account) === undefined) return;
    this.unsubscribe = this.o.budget.onThrottled(() => this.serialise(() => this.throttled()));
    const tick = () => {
      void this.serialise(() => this.refresh()).then(() => {
        if (this.unsubscribe) this.timer = setTimeout(tick, this.refreshMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  view(): AccountBudgetView {
    return { ...this.state };
  }

  /** One server round trip at a time: a throttle's halving never races a refresh's raise. Failures wait for the next. */
  private serialise(step: () => Promise<void>): Promise<void> {
    this.running = this.running.then(step).catch(() => undefined);
    return this.running;
  }

  /** Counts the workers, takes this worker's share, raises a lowered server-side rate. */
  async refresh(): Promise<void> {
    const d = await this.describe();
    const since = this.now() - this.pollerWindowMs;
    const identities = new Set([this.o.identity]);
    for (const p of d.pollers ?? []) {
      const seen = optionalTsToMs(p.lastAccessTime);
      if (p.identity && (seen === undefined || seen >= since)) identities.add(p.identity);
    }
    if (identities.size !== this.state.workers || !this.counted) {
      const { requestsPerSecond: rps, burst } = this.o.account;
      const n = identities.size;
      this.o.log?.(
        `API budget: ${n} worker${n === 1 ? '' : 's'} of task queue "${this.o.taskQueue}" share ${rps} requests/s ` +
          `(burst ${burst}); this one takes ${round(rps / n)} (burst ${Math.max(1, Math.floor(burst / n))})`,
      );
    }
    this.counted = true;
    this.state.workers = identities.size;
    this.o.budget.setShare(1 / identities.size);

    const ours = ourLimit(d);
    this.state.queueRate = ours?.rate;
    if (!ours || this.apiRefused) return;
    const rps = this.o.account.requestsPerSecond;
    const raised = ours.rate + rps * RECOVERY_PER_SECOND * (Math.max(0, this.now() - ours.at) / 1000);
    await this.setQueueRate(raised >= rps ? undefined : raised, raised >= rps ? 'recovered' : 'recovering from a throttle');
  }

  /** The cloud throttled a call of this worker: halve the task queue's server-side rate, unless just halved. */
  async throttled(): Promise<void> {
    if (this.apiRefused || this.now() - this.lastCut < SAME_THROTTLE_MS) return;
    const d = await this.describe();
    const limit = d.config?.queueRateLimit;
    const ours = ourLimit(d);
    // Someone else's limit stands; a halving by another worker a moment ago answered the same overload.
    if (limit?.rateLimit && !ours) {
      const reason = limit.metadata?.reason ?? '';
      this.o.log?.(
        `the cloud throttled this worker; the task queue's rate (${limit.rateLimit.requestsPerSecond}/s) was set by ` +
          `${limit.metadata?.updateIdentity || 'someone else'}${reason ? ` ("${reason}")` : ''}: left alone`,
      );
      this.lastCut = this.now();
      return;
    }
    if (ours && this.now() - ours.at < SAME_THROTTLE_MS && ours.reason.includes('throttled')) return;
    const rps = this.o.account.requestsPerSecond;
    const current = ours?.rate ?? rps;
    this.lastCut = this.now();
    await this.setQueueRate(Math.max(rps * FLOOR, current / 2), `the cloud throttled ${this.o.identity}`);
  }

  private async describe(): Promise<temporal.api.workflowservice.v1.IDescribeTaskQueueResponse> {
    return this.o.service.describeTaskQueue({
      namespace: this.o.namespace,
      taskQueue: { name: this.o.taskQueue },
      taskQueueType: ACTIVITY,
      reportConfig: true,
    });
  }

  /** Sets (or with undefined removes) the task queue's server-side activity rate. */
  private async setQueueRate(rate: number | undefined, why: string): Promise<void> {
    try {
      await this.o.service.updateTaskQueueConfig({
        namespace: this.o.namespace,
        identity: this.o.identity,
        taskQueue: this.o.taskQueue,
        taskQueueType: ACTIVITY,
        updateQueueRateLimit: {
          ...(rate !== undefined ? { rateLimit: { requestsPerSecond: rate } } : {}),
          reason: `${REASON_PREFIX} ${why}`,
        },
      });
      this.state.queueRate = rate;
    } catch (err) {
      // Anything but "not here" or "not allowed" may pass: the next throttle or refresh tries again.
      if (!REFUSED.has((err as { code?: number }).code ?? -1)) return;
      this.apiRefused = true;
      this.o.log?.(
        `the server did not take the task queue's rate (${(err as Error).message.split('\n')[0]}); ` +
          "throttles slow down this worker's budget only",
      );
    }
  }
}

/** The server-side rate this project set, its reason and when; undefined when none or someone else's. */
function ourLimit(d: temporal.api.workflowservice.v1.IDescribeTaskQueueResponse): { rate: number; at: number; reason: string } | undefined {
  const limit = d.config?.queueRateLimit;
  const reason = limit?.metadata?.reason ?? '';
  const rate = limit?.rateLimit?.requestsPerSecond;
  if (!limit?.rateLimit || !reason.startsWith(REASON_PREFIX) || typeof rate !== 'number') return undefined;
  return { rate, at: optionalTsToMs(limit.metadata?.updateTime) ?? 0, reason };
}

const round = (n: number) => Math.round(n * 100) / 100;
