// One API budget per cloud account (P8): an async token bucket that every HTTP attempt of a CloudClient passes
// through, retries and token requests included. Waiters are served in arrival order; an aborted waiter gives
// its token back.

export interface RateLimit {
  /** Sustained rate. `Infinity` (or <= 0) disables the limit. */
  requestsPerSecond: number;
  /** Requests allowed back to back after a quiet period. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { requestsPerSecond: 20, burst: 40 };

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly rate: number;
  private readonly burst: number;

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
  async take(signal?: AbortSignal): Promise<void> {
    if (this.rate === Infinity) return;
    signal?.throwIfAborted();
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    // Take the token now, possibly going into debt: later callers then wait longer than earlier ones (FIFO).
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.rate) * 1000;
    try {
      await sleep(waitMs, signal);
    } catch (err) {
      this.tokens += 1;
      throw err;
    }
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
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
