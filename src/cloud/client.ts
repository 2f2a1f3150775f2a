// The cloud client the worker builds once: one HTTP layer (pools, one API budget, retries) and one
// authenticator shared by EVS, ECS and IMS. Authentication is lazy: nothing is sent until the first call.
import { createAuthenticator, type Authenticator } from './auth';
import { beforeRequest, type Caller, makeCaller, scopedCaller } from './call';
import type { CloudConfig } from './config';
import { ecsApi } from './ecs/api';
import { evsApi } from './evs/api';
import { HttpClient, type CloudLogger, type HttpObserver, type RetryPolicy } from './http';
import { imsApi } from './ims/api';
import type { Profile } from './profile';
import { type ApiBudget, DEFAULT_RATE_LIMIT, type RateLimit } from './ratelimit';
import type { CallOptions, CloudApi, EcsApi, EvsApi, ImsApi } from './types';

export interface CloudClientOptions {
  /**
   * API budget of this client (all its calls, retries and token requests). `false` disables it. Default 20 rps,
   * burst 40, or EVS_EXPORT_API_RPS / EVS_EXPORT_API_BURST.
   */
  rateLimit?: Partial<RateLimit> | false;
  /** Deadline of one HTTP attempt; default 30 s. */
  timeoutMs?: number;
  /** Default: 5 throttle retries (any method), 2 transient retries (GET/HEAD only), backoff 500 ms doubling, max 30 s. */
  retry?: Partial<RetryPolicy>;
  logger?: CloudLogger;
  /** Connections per origin; default 8. */
  connections?: number;
  userAgent?: string;
  /** Clock for token expiry and the openstack profile's made-up jobs (ms since epoch). */
  now?: () => number;
  /** Largest token refresh margin; default 10 min (the margin is also at most 10% of the token lifetime). */
  maxRefreshMarginMs?: number;
  /** Told of every HTTP attempt: the worker's metrics and trace spans (src/telemetry/). */
  observer?: HttpObserver;
}

export class CloudClient implements CloudApi {
  readonly evs: EvsApi;
  readonly ecs: EcsApi;
  readonly ims: ImsApi;
  private readonly http: HttpClient;
  private readonly auth: Authenticator;
  private readonly call: Caller;

  constructor(cfg: CloudConfig, o: CloudClientOptions = {}) {
    const rateLimit: RateLimit =
      o.rateLimit === false ? { requestsPerSecond: Infinity, burst: 1 } : { ...DEFAULT_RATE_LIMIT, ...cfg.rateLimit, ...o.rateLimit };
    this.http = new HttpClient({
      timeoutMs: o.timeoutMs,
      connections: o.connections,
      retry: o.retry,
      rateLimit,
      userAgent: o.userAgent,
      logger: o.logger,
      observer: o.observer,
      tls: cfg.tls ? { rejectUnauthorized: cfg.tls.verify, ...(cfg.tls.ca ? { ca: cfg.tls.ca } : {}) } : undefined,
      // Read at error time: the authenticator (created next) knows the current token and keys.
      secrets: () => this.auth?.secrets() ?? [],
    });
    this.auth = createAuthenticator(cfg, this.http, { now: o.now, maxRefreshMarginMs: o.maxRefreshMarginMs });
    this.call = makeCaller(this.http, this.auth, o.logger);
    this.now = o.now ?? Date.now;
    this.evs = evsApi(this.call);
    this.ecs = ecsApi(this.call, this.now);
    this.ims = imsApi(this.call);
  }

  private readonly now: () => number;

  withOptions(scope: CallOptions): CloudApi {
    const call: Caller = scopedCaller(this.call, scope);
    return {
      projectId: (o) => this.projectId({ ...scope, ...o }),
      profile: (o) => call.profile(o),
      evs: evsApi(call),
      ecs: ecsApi(call, this.now),
      ims: imsApi(call),
      callCounts: () => this.callCounts(),
      budget: () => this.budget(),
      withOptions: (more) => this.withOptions({ ...scope, ...more }),
      close: () => this.close(),
    };
  }

  /** The project of the token (AK/SK: of the configuration); authenticates if needed. */
  projectId(o: CallOptions = {}): Promise<string> {
    return beforeRequest({ service: 'keystone', op: 'keystone.token', method: 'POST' }, o.signal, () => this.auth.projectId(o.signal));
  }

  /** The API dialect (profile.ts): configured, else read from the Keystone catalog. */
  profile(o: CallOptions = {}): Promise<Profile> {
    return this.call.profile(o);
  }

  callCounts(): Record<string, number> {
    return this.http.callCounts();
  }

  budget(): ApiBudget {
    return this.http.budget();
  }

  /** Closes every connection pool; calls made afterwards fail. */
  close(): Promise<void> {
    return this.http.close();
  }
}

export function createCloudClient(cfg: CloudConfig, opts: CloudClientOptions = {}): CloudClient {
  return new CloudClient(cfg, opts);
}
