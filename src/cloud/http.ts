// The only code in the project that speaks HTTP (undici 7). Cross-cutting rules live here once:
// - one keep-alive `Pool` per origin with a bounded number of connections and explicit timeouts;
// - a per-attempt deadline combined with the caller's signal (activity cancellation);
// - every attempt waits for the shared token bucket (P8), calls that change something in its urgent lane, and
//   is counted per operation;
// - throttling (429, or a flow-control code such as ECS's HTTP 202 + Common.0024, §4.7) is retried for every
//   method after `Retry-After` or a jittered exponential backoff: the cloud did not execute the request;
// - 5xx and transport failures are retried only for GET/HEAD. A POST/PUT/DELETE that may have taken effect is
//   left to the activities, which re-read state before repeating it (P3);
// - every body is read to the end (or dumped), and errors are mapped once into CloudError classes.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Pool } from 'undici';
import {
  CloudAbortError,
  CloudConnectionError,
  CloudError,
  CloudTimeoutError,
  embeddedError,
  isThrottle,
  parseErrorBody,
  parseRetryAfter,
  redact,
  type ParsedErrorBody,
  type TransportErrorInit,
} from './errors';
import type { OpName, ServiceName } from './ops';
import { type ApiBudget, type Priority, sleep, TokenBucket, type RateLimit } from './ratelimit';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface RetryPolicy {
  /** Retries of a throttled request (any method). */
  throttleRetries: number;
  /** Retries of a GET/HEAD after a 5xx or a transport failure. */
  transientRetries: number;
  /** First backoff step; doubles per retry, with jitter. */
  baseDelayMs: number;
  /** Cap of one wait, `Retry-After` included. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { throttleRetries: 5, transientRetries: 2, baseDelayMs: 500, maxDelayMs: 30_000 };
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_CONNECTIONS = 8;
const CONNECT_TIMEOUT_MS = 10_000;

/** Structured log sink (Temporal's activity/worker `Logger` fits). Metadata never holds secrets. */
export interface CloudLogger {
  debug?(message: string, meta?: Record<string, unknown>): void;
  warn?(message: string, meta?: Record<string, unknown>): void;
}

export interface HttpClientOptions {
  /** Deadline of one attempt (connect to end of body). */
  timeoutMs?: number;
  /** Connections per origin. */
  connections?: number;
  retry?: Partial<RetryPolicy>;
  rateLimit?: RateLimit;
  userAgent?: string;
  /** TLS: `verify: false` / `cacert` from clouds.yaml. */
  tls?: { rejectUnauthorized?: boolean; ca?: string | Buffer };
  logger?: CloudLogger;
  /** Current secrets (token, password, SK), redacted from any text kept in an error. */
  secrets?: () => string[];
  /** Told of every attempt (metrics, a trace span each); never given a header, a body or a query string. */
  observer?: HttpObserver;
}

/** One HTTP attempt as observers see it: the path without its query, no header, no body. */
export interface AttemptInfo {
  service: ServiceName;
  op: OpName;
  method: HttpMethod;
  /** `https://host/path`, without the query. */
  url: string;
  attempt: number;
}

/** How an attempt ended: the status, or network / timeout / aborted; `throttled` when the cloud said to slow down. */
export interface AttemptOutcome {
  status: number | 'network' | 'timeout' | 'aborted';
  throttled: boolean;
  ms: number;
  /** The cloud's error code, when it gave one. */
  code?: string;
}

export interface HttpObserver {
  /** Called as an attempt goes out; the returned function is called once with how it ended. */
  attempt(info: AttemptInfo): (outcome: AttemptOutcome) => void;
}

export interface AuthorizeInput {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpRequest {
  service: ServiceName;
  op: OpName;
  method: HttpMethod;
  url: string;
  /** Serialised as JSON. */
  body?: unknown;
  /** Statuses that mean success for this call; anything else is a CloudError. */
  expect: readonly number[];
  signal?: AbortSignal;
  /**
   * Lane in the API budget. Default: a call that changes something (stop, start, export, a token) goes first, a
   * read or a poll waits behind it — a saturated budget should delay the polls, not a server's stop or restart.
   */
  priority?: Priority;
  /** Called before every attempt goes out (the caller's cost figures). */
  onAttempt?: (op: OpName) => void;
  /** The first attempt's token is already taken (CallOptions.prepaid). */
  prepaid?: boolean;
  /** Safe to repeat after a 5xx or a lost response although not a GET (e.g. a token request). Default: GET/HEAD only. */
  idempotent?: boolean;
  /** Called before every attempt: returns the headers that authenticate it (X-Auth-Token, or an AK/SK signature). */
  authorize?: (r: AuthorizeInput) => Promise<Record<string, string>>;
  /** Extra request headers (a microversion: `OpenStack-API-Version`). */
  headers?: Record<string, string>;
  /** The service's name in error messages (Cinder, Nova, Glance); default the OTC name of `service`. */
  serviceLabel?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when empty or not JSON. */
  body: unknown;
  text: string;
}

const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD']);
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

/** `evs-image-export/<version>` from the package.json two levels up (same from src/cloud and lib/cloud). */
export const USER_AGENT = `evs-image-export/${packageVersion()}`;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolvePath(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly counts = new Map<string, number>();
  private readonly limiter: TokenBucket;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private closed = false;

  constructor(private readonly o: HttpClientOptions = {}) {
    this.limiter = new TokenBucket(o.rateLimit ?? { requestsPerSecond: Infinity, burst: 1 });
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The API budget: its rate now (less for a while after the cloud throttled), this worker's share of it. */
  budget(): ApiBudget {
    return this.limiter;
  }

  /** HTTP attempts so far, per operation (every retry and replay counts). */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const idempotent = req.idempotent ?? IDEMPOTENT.has(req.method);
    let throttled = 0;
    let transient = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new Error('cloud client is closed');
      try {
        if (!(attempt === 1 && req.prepaid))
          await this.limiter.take(req.signal, IDEMPOTENT.has(req.method) ? (req.priority ?? 'normal') : 'write');
      } catch (err) {
        throw this.transportError(req, url, err, true, false);
      }
      this.counts.set(req.op, (this.counts.get(req.op) ?? 0) + 1);
      req.onAttempt?.(req.op);

      let res: HttpResponse;
      const started = performance.now();
      const observed = this.o.observer?.attempt({
        service: req.service,
        op: req.op,
        method: req.method,
        url: url.origin + url.pathname,
        attempt,
      });
      const ended = (status: AttemptOutcome['status'], throttled = false, code?: string) =>
        observed?.({ status, throttled, ms: performance.now() - started, ...(code ? { code } : {}) });
      try {
        res = await this.attempt(req, url, body);
        this.o.logger?.debug?.('cloud request', {
          op: req.op,
          method: req.method,
          path: url.pathname,
          status: res.status,
          attempt,
          ms: Math.round(performance.now() - started),
        });
      } catch (err) {
        const e = err instanceof CloudError ? err : this.transportError(req, url, err, false, false);
        ended(transportStatus(e), false, e.code);
        if (idempotent && isRetryableTransport(e) && transient < this.retry.transientRetries) {
          transient++;
          await this.wait(req, url, this.backoff(transient), { attempt, code: e.code });
          continue;
        }
        throw e;
      }

      const embedded = res.status >= 200 && res.status < 300 ? embeddedError(res.body) : undefined;
      if (req.expect.includes(res.status) && !embedded) {
        ended(res.status);
        return res;
      }

      const err = this.cloudError(req, url, res, embedded ?? parseErrorBody(res.text));
      const throttle = isThrottle(err.status, err.code);
      ended(res.status, throttle, err.code || undefined);
      if (throttle) this.limiter.throttled();
      if (throttle && throttled < this.retry.throttleRetries) {
        throttled++;
        await this.wait(req, url, err.retryAfterMs ?? this.backoff(throttled), { attempt, status: err.status, code: err.code });
        continue;
      }
      if (idempotent && RETRYABLE_STATUS.has(res.status) && transient < this.retry.transientRetries) {
        transient++;
        await this.wait(req, url, err.retryAfterMs ?? this.backoff(transient), { attempt, status: err.status, code: err.code });
        continue;
      }
      throw err;
    }
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, {
        connections: this.o.connections ?? DEFAULT_CONNECTIONS,
        // Keep-alive below the 5 s idle timeout common servers use, so a request never rides a socket the server
        // is closing (a POST lost that way cannot be retried here).
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 60_000,
        // Backstops only: the per-attempt deadline (signal) fires first.
        headersTimeout: this.timeoutMs + 1_000,
        bodyTimeout: this.timeoutMs + 1_000,
        connectTimeout: Math.min(CONNECT_TIMEOUT_MS, this.timeoutMs),
        ...(this.o.tls ? { connect: { ...this.o.tls } } : {}),
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  private async attempt(req: HttpRequest, url: URL, body: string | undefined): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.o.userAgent ?? USER_AGENT,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (req.headers) Object.assign(headers, req.headers);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      if (req.authorize)
        Object.assign(headers, await raceAbort(req.authorize({ method: req.method, url, headers: { ...headers }, body }), signal));
      const res = await this.pool(url.origin).request({
        method: req.method,
        path: url.pathname + url.search,
        headers,
        body,
        signal,
      });
      // Read every body to the end, error bodies included, so the connection goes back to the pool.
      let text = '';
      if (req.method === 'HEAD') await res.body.dump();
      else text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body: parseJson(text), text };
    } catch (err) {
      if (err instanceof CloudError) throw err;
      throw this.transportError(req, url, err, req.signal?.aborted ?? false, timeout.aborted && !req.signal?.aborted);
    }
  }

  private cloudError(req: HttpRequest, url: URL, res: HttpResponse, parsed: ParsedErrorBody): CloudError {
    const secrets = this.o.secrets?.() ?? [];
    const h = (n: string) => {
      const v = res.headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']) ?? parsed.retryAfterMs;
    return new CloudError({
      service: req.service,
      op: req.op,
      method: req.method,
      path: url.pathname,
      status: res.status,
      code: parsed.code,
      cloudMessage: redact(parsed.message, secrets),
      requestId: parsed.requestId ?? h('x-request-id') ?? h('x-openstack-request-id') ?? h('x-compute-request-id') ?? null,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      details: parsed.details.map((d) => ({ code: d.code, message: redact(d.message, secrets) })),
      ...(req.serviceLabel ? { serviceLabel: req.serviceLabel } : {}),
    });
  }

  /** Maps an undici/system error (or an abort) once into a CloudError class; the original is not kept (it could hold anything). */
  private transportError(req: HttpRequest, url: URL, err: unknown, aborted: boolean, timedOut: boolean): CloudError {
    const secrets = this.o.secrets?.() ?? [];
    const e = (err ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : '';
    const what = redact(
      `${typeof e.name === 'string' ? e.name : 'Error'}${code ? ` ${code}` : ''}: ` +
        `${typeof e.message === 'string' ? e.message : String(err)}`,
      secrets,
    );
    const base: Omit<TransportErrorInit, 'code' | 'detail'> = {
      service: req.service,
      op: req.op,
      method: req.method,
      path: url.pathname,
      cause: new Error(what),
      ...(req.serviceLabel ? { serviceLabel: req.serviceLabel } : {}),
    };
    if (aborted) return new CloudAbortError({ ...base, code: 'Aborted', detail: 'aborted by the caller' });
    if (timedOut) return new CloudTimeoutError({ ...base, code: 'Timeout', detail: `no response within ${this.timeoutMs} ms` });
    if (TIMEOUT_CODES.has(code)) return new CloudTimeoutError({ ...base, code, detail: `timed out (${what})` });
    if (CONNECTION_CODES.has(code) || /^E[A-Z]+$/.test(code)) {
      return new CloudConnectionError({ ...base, code, detail: `connection failed or lost before the response (${what})` });
    }
    return new CloudError({ ...base, status: 0, code: code || 'ClientError', cloudMessage: what });
  }

  private backoff(retry: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (retry - 1));
    // "Equal jitter": between half and all of the step, so waits grow but callers spread out.
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private async wait(req: HttpRequest, url: URL, ms: number, meta: Record<string, unknown>): Promise<void> {
    const delayMs = Math.round(Math.min(ms, this.retry.maxDelayMs));
    this.o.logger?.warn?.('cloud request retried', { op: req.op, method: req.method, path: url.pathname, delayMs, ...meta });
    try {
      await sleep(delayMs, req.signal);
    } catch (err) {
      throw this.transportError(req, url, err, true, false);
    }
  }
}

function transportStatus(e: CloudError): AttemptOutcome['status'] {
  if (e instanceof CloudAbortError) return 'aborted';
  if (e instanceof CloudTimeoutError) return 'timeout';
  return 'network';
}

function isRetryableTransport(e: CloudError): boolean {
  return e instanceof CloudTimeoutError || e instanceof CloudConnectionError;
}

function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Resolves like `p`, or rejects as soon as `signal` aborts. */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
