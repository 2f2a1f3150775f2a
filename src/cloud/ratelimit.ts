// One API budget per cloud account (P8): an async token bucket that every HTTP attempt of a CloudClient passes
// through, retries and token requests included. Waiters are served in arrival order within four lanes, writes
// first, then urgent reads (P9): a server's restart does not queue behind other runs' reads and polls; background
// reads last, until one has waited 10 s. An aborted
// waiter leaves the queue without taking a token. The cloud's throttling feeds back: a throttled answer halves the
// rate (the budget was set too high, or other clients share the account), which then grows back to the configured
// rate within seconds (additive increase, multiplicative decrease, as TCP and the AWS SDKs' adaptive mode do).
// Several workers of one account each take a share of its budget (src/account-budget.ts sets it).

export interface RateLimit {
  /** Sustained rate. `Infinity` (or <= 0) disables the limit. */
  requestsPerSecond: number;
  /** Requests allowed back to back after a quiet period. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { requestsPerSecond: 20, burst: 40 };

/** How the rate recovers after a throttle: this fraction of the configured rate per second. */
const RECOVERY_PER_SECOND = 0.05;
/** Never below this fraction of the configured rate, however often the cloud throttles. */
const FLOOR = 1 / 16;

/**
 * A read's priority: `urgent` for the restart's reads, the upload's patient reads and the export request's,
 * `background` for those nothing waits for (the image after the restarts), else `normal`.
 */
export type Priority = 'urgent' | 'normal' | 'background';
/**
 * The lanes, first served first: `write` — every call that changes something (stop, start, export, a token), so a
 * restart's start call never waits behind reads, however urgent; then urgent reads; then the other reads and
 * polls (plans); then background reads.
 */
export type Lane = 'write' | Priority;
const LANES: readonly Lane[] = ['write', 'urgent', 'normal', 'background'];
/**
 * Reads leave this share of the burst in the bucket for writes: when servers stop, a fleet's export requests (and
 * later its starts) go out at once, not one refill interval after another behind a spell of polls. The bucket is
 * unchanged, so the rate over any second is not.
 */
const WRITE_RESERVE = 1 / 4;
/** A background read waiting this long goes next among the normal ones: a saturated budget delays it, never starves it. */
const BACKGROUND_AGE_MS = 10_000;

interface Waiter {
  since: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** What the rest of the worker sees of the budget. */
export interface ApiBudget {
  /**
   * Resolves when a request may go out in this lane (the token is spent): true when it had to wait for it (the
   * budget is saturated); rejects if `signal` aborts first.
   */
  take(signal?: AbortSignal, lane?: Lane): Promise<boolean>;
  /** The configured rate and burst: the whole account's. */
  account(): RateLimit;
  /** Requests per second allowed now. */
  currentRate(): number;
  /** Takes this fraction (0–1] of the configured rate and burst: this worker's share of the account's. */
  setShare(fraction: number): void;
  /** Calls `listener` after every throttled answer; returns the function that unsubscribes. */
  onThrottled(listener: () => void): () => void;
}

export class TokenBucket implements ApiBudget {
  private tokens: number;
  private last: number;
  /** The configured rate and burst, for the whole account. */
  private readonly limit: RateLimit;
  /** This worker's share of them. */
  private rate: number;
  private burst: number;
  private readonly throttleListeners = new Set<() => void>();
  /** The rate right after the last throttle, and when that was; the current rate grows back from it. */
  private reduced: { rate: number; at: number } | undefined;
  private readonly lanes: Record<Lane, Waiter[]> = { write: [], urgent: [], normal: [], background: [] };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limit = { requestsPerSecond: limit.requestsPerSecond > 0 ? limit.requestsPerSecond : Infinity, burst: limit.burst };
    this.rate = this.limit.requestsPerSecond;
    this.burst = Math.max(1, Math.floor(limit.burst));
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Resolves when a request may go out (true: it waited); rejects with the signal's reason if it aborts first. */
  async take(signal?: AbortSignal, priority: Lane = 'normal'): Promise<boolean> {
    if (this.rate === Infinity) return false;
    signal?.throwIfAborted();
    this.refill();
    // At once only when nobody in the same or a higher lane is waiting (no overtaking within a lane).
    const ahead = LANES.slice(0, LANES.indexOf(priority) + 1).reduce((n, lane) => n + this.lanes[lane].length, 0);
    if (ahead === 0 && this.tokens >= this.need(priority)) {
      this.tokens -= 1;
      return false;
    }
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = { since: this.now(), resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          // In its lane, or moved from the background to the normal one meanwhile.
          for (const lane of LANES.map((l) => this.lanes[l])) {
            const i = lane.indexOf(w);
            if (i >= 0) lane.splice(i, 1);
          }
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.lanes[priority].push(w);
      this.schedule();
    });
    return true;
  }

  /** The cloud said to slow down: halve the current rate (not below the floor); it recovers over time. */
  throttled(): void {
    if (this.rate === Infinity) return;
    this.refill();
    const t = this.now();
    this.reduced = { rate: Math.max(this.rate * FLOOR, this.currentRate(t) / 2), at: t };
    for (const listener of this.throttleListeners) listener();
  }

  account(): RateLimit {
    return { ...this.limit };
  }

  onThrottled(listener: () => void): () => void {
    this.throttleListeners.add(listener);
    return () => this.throttleListeners.delete(listener);
  }

  setShare(fraction: number): void {
    if (this.limit.requestsPerSecond === Infinity || !(fraction > 0)) return;
    const f = Math.min(1, fraction);
    this.refill();
    const old = this.rate;
    this.rate = this.limit.requestsPerSecond * f;
    this.burst = Math.max(1, Math.floor(this.limit.burst * f));
    this.tokens = Math.min(this.tokens, this.burst);
    // A throttle's reduction keeps its proportion of the new share.
    if (this.reduced) this.reduced.rate *= this.rate / old;
    // Waiters were timed at the old rate.
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.schedule();
    }
  }

  /** Requests per second allowed now: the configured rate, or less while recovering from a throttle. */
  currentRate(t = this.now()): number {
    if (!this.reduced) return this.rate;
    const r = this.reduced.rate + this.rate * RECOVERY_PER_SECOND * ((t - this.reduced.at) / 1000);
    if (r < this.rate) return r;
    this.reduced = undefined;
    return this.rate;
  }

  /** Requests waiting for a token, per lane. */
  waiting(): Record<Lane, number> {
    return {
      write: this.lanes.write.length,
      urgent: this.lanes.urgent.length,
      normal: this.lanes.normal.length,
      background: this.lanes.background.length,
    };
  }

  private refill(): void {
    const t = this.now();
    // The rate at the end of the interval: recovery is slow, so the error is a fraction of a token.
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.currentRate(t));
    this.last = t;
  }

  /** Tokens the bucket must hold for a request of this lane to take one. */
  private need(lane: Lane): number {
    return lane === 'write' ? 1 : 1 + Math.floor(this.burst * WRITE_RESERVE);
  }

  private schedule(): void {
    if (this.timer) return;
    const first = LANES.find((l) => this.lanes[l].length > 0) ?? 'write';
    const waitMs = Math.max(0, ((this.need(first) - this.tokens) / this.currentRate()) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.ceil(waitMs));
  }

  private drain(): void {
    this.refill();
    const background = this.lanes.background;
    const aged = background.findIndex((w) => this.last - w.since < BACKGROUND_AGE_MS);
    const promoted = background.splice(0, aged === -1 ? background.length : aged);
    this.lanes.normal.unshift(...promoted);
    for (const name of LANES) {
      const lane = this.lanes[name];
      while (lane.length > 0 && this.tokens >= this.need(name)) {
        this.tokens -= 1;
        const w = lane.shift()!;
        if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
        w.resolve();
      }
    }
    // Every lane: a write left waiting with no timer would wait until some other request came along.
    if (LANES.some((l) => this.lanes[l].length > 0)) this.schedule();
  }
}

/** setTimeout as a promise that rejects with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
