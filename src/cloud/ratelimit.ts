// One API budget per cloud account (P8): an async token bucket that every HTTP attempt of a CloudClient passes
// through, retries and token requests included. Waiters are served in arrival order within two lanes, and the
// urgent lane first (P9): a server's restart does not queue behind other runs' reads and polls. An aborted
// waiter leaves the queue without taking a token.

export interface RateLimit {
  /** Sustained rate. `Infinity` (or <= 0) disables the limit. */
  requestsPerSecond: number;
  /** Requests allowed back to back after a quiet period. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { requestsPerSecond: 20, burst: 40 };

/** `urgent`: calls that change something (stop, start, export, a token) and every call of a restart; `normal`: reads and polls. */
export type Priority = 'urgent' | 'normal';

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly lanes: Record<Priority, Waiter[]> = { urgent: [], normal: [] };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.rate = limit.requestsPerSecond > 0 ? limit.requestsPerSecond : Infinity;
    this.burst = Math.max(1, Math.floor(limit.burst));
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Resolves when a request may go out; rejects with the signal's reason if it aborts first. */
  async take(signal?: AbortSignal, priority: Priority = 'normal'): Promise<void> {
    if (this.rate === Infinity) return;
    signal?.throwIfAborted();
    this.refill();
    // At once only when nobody of the same or a higher priority is waiting (no overtaking within a lane).
    const ahead = this.lanes.urgent.length + (priority === 'normal' ? this.lanes.normal.length : 0);
    if (ahead === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const lane = this.lanes[priority];
          lane.splice(lane.indexOf(w), 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.lanes[priority].push(w);
      this.schedule();
    });
  }

  /** Requests waiting for a token, per lane. */
  waiting(): Record<Priority, number> {
    return { urgent: this.lanes.urgent.length, normal: this.lanes.normal.length };
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  private schedule(): void {
    if (this.timer) return;
    const waitMs = Math.max(0, ((1 - this.tokens) / this.rate) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, Math.ceil(waitMs));
  }

  private drain(): void {
    this.refill();
    for (const lane of [this.lanes.urgent, this.lanes.normal]) {
      while (lane.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        const w = lane.shift()!;
        if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
        w.resolve();
      }
    }
    if (this.lanes.urgent.length + this.lanes.normal.length > 0) this.schedule();
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
