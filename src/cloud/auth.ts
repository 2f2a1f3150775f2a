// Authentication of service calls, two ways:
// - Keystone v3 password token (§2.1): fetched lazily, cached with its catalog, refreshed before it expires
//   (single-flight: concurrent callers share one request), dropped when a service refuses it;
// - AK/SK signing (§2.2 Variant A): every attempt is signed afresh (X-Sdk-Date must be within 15 min of the
//   gateway's clock); endpoints come from overrides or the configured template, as there is no catalog.
import { completeOpenStackEndpoint, imageBase, selectEndpoint, fillProject, templateEndpoint } from './catalog';
import type { AkSkAuthConfig, CloudConfig, PasswordAuthConfig, ServiceKey } from './config';
import { invalidResponse, ResponseFormatError } from './errors';
import { raceAbort, type AuthorizeInput, type HttpClient } from './http';
import { toTokenRequest } from './keystone/requests';
import { detectProfile, type Profile } from './profile';
import { parseToken, type TokenInfo } from './keystone/results';
import { tokensURL } from './keystone/urls';
import { sdkDate, sign } from './signer';

export interface Authenticator {
  /** Headers that authenticate one attempt. */
  authorize(r: AuthorizeInput, signal?: AbortSignal): Promise<Record<string, string>>;
  /** The cloud refused the credential in `sent`; true if authenticating again and replaying may help. */
  invalidate(sent: Record<string, string>): boolean;
  projectId(signal?: AbortSignal): Promise<string>;
  /** The API dialect: configured, else read from the catalog (profile.ts). */
  profile(signal?: AbortSignal): Promise<Profile>;
  /** Base URL of a service (IMS without version, EVS/ECS with their version and project, §1.1). */
  endpoint(service: ServiceKey, signal?: AbortSignal): Promise<string>;
  /** Current secrets, for redaction of error text. */
  secrets(): string[];
}

export interface TokenAuthOptions {
  /** Clock (ms since epoch); tests move it forward instead of waiting. */
  now?: () => number;
  /** Largest refresh margin before expiry; the margin is the smaller of this and 10% of the token lifetime. */
  maxRefreshMarginMs?: number;
}

interface CachedToken {
  token: string;
  info: TokenInfo;
  /** Local clock time after which a new token is fetched. */
  refreshAt: number;
}

export const DEFAULT_MAX_REFRESH_MARGIN_MS = 10 * 60_000;

export class TokenAuth implements Authenticator {
  private current?: CachedToken;
  private inflight?: Promise<CachedToken>;
  /** Tokens handed out so far (the last few), so a server echoing one never leaks it into an error. */
  private readonly issued: string[] = [];
  private readonly now: () => number;

  constructor(
    private readonly cfg: CloudConfig & { auth: PasswordAuthConfig },
    private readonly http: HttpClient,
    private readonly o: TokenAuthOptions = {},
  ) {
    this.now = o.now ?? Date.now;
  }

  async authorize(_r: AuthorizeInput, signal?: AbortSignal): Promise<Record<string, string>> {
    const t = await this.token(signal);
    return { 'X-Auth-Token': t.token };
  }

  invalidate(sent: Record<string, string>): boolean {
    // Only the token that was refused is dropped: of N concurrent 401s, one triggers a new token.
    if (this.current && this.current.token === sent['X-Auth-Token']) this.current = undefined;
    return true;
  }

  async projectId(signal?: AbortSignal): Promise<string> {
    const { info } = await this.token(signal);
    if (!info.projectId) throw new ResponseFormatError('the token is not project-scoped (token.project is missing)');
    return info.projectId;
  }

  async profile(signal?: AbortSignal): Promise<Profile> {
    if (this.cfg.profile) return this.cfg.profile;
    return detectProfile((await this.token(signal)).info.catalog);
  }

  async endpoint(service: ServiceKey, signal?: AbortSignal): Promise<string> {
    const { info } = await this.token(signal);
    const profile = this.cfg.profile ?? detectProfile(info.catalog);
    const projectId = info.projectId ?? '';
    const override =
      (profile === 'openstack' && service === 'ecs' ? this.cfg.computeEndpointOverride : undefined) ?? this.cfg.endpointOverrides[service];
    let url = override
      ? fillProject(override, projectId)
      : selectEndpoint(info.catalog, service, { region: this.cfg.region, interface: this.cfg.interface, profile });
    if (profile === 'openstack') url = completeOpenStackEndpoint(url, service, projectId);
    return service === 'ims' ? imageBase(url) : url;
  }

  secrets(): string[] {
    return [this.cfg.auth.password.reveal(), ...this.issued];
  }

  /** The cached token, or a new one when there is none or it is within its refresh margin. */
  private async token(signal?: AbortSignal): Promise<CachedToken> {
    if (this.current && this.now() < this.current.refreshAt) return this.current;
    // The shared fetch is not tied to one caller's signal; each caller stops waiting when its own aborts.
    this.inflight ??= this.fetch().finally(() => {
      this.inflight = undefined;
    });
    return raceAbort(this.inflight, signal);
  }

  private async fetch(): Promise<CachedToken> {
    const url = tokensURL(this.cfg.auth.authUrl);
    const requestedAt = this.now();
    const res = await this.http.request({
      service: 'keystone',
      op: 'keystone.token',
      method: 'POST',
      url,
      body: toTokenRequest(this.cfg.auth),
      expect: [201],
      // A new token does not invalidate earlier ones (§2.1): asking again after a lost answer is harmless.
      idempotent: true,
    });
    const at = {
      service: 'keystone' as const,
      op: 'keystone.token' as const,
      method: 'POST',
      path: new URL(url).pathname,
      status: res.status,
    };
    const header = res.headers['x-subject-token'];
    const token = Array.isArray(header) ? header[0] : header;
    let info: TokenInfo;
    try {
      if (!token) throw new ResponseFormatError('the X-Subject-Token header is missing');
      info = parseToken(res.body);
    } catch (err) {
      throw err instanceof ResponseFormatError ? invalidResponse(at, err) : err;
    }
    this.issued.push(token);
    if (this.issued.length > 4) this.issued.shift();
    // Lifetime from the server's own issued/expiry pair, measured on our clock: immune to clock skew.
    const lifetime = info.issuedAt !== null ? info.expiresAt - info.issuedAt : info.expiresAt - requestedAt;
    const margin = Math.min(this.o.maxRefreshMarginMs ?? DEFAULT_MAX_REFRESH_MARGIN_MS, Math.max(0, lifetime) * 0.1);
    const cached = { token, info, refreshAt: requestedAt + lifetime - margin };
    this.current = cached;
    return cached;
  }
}

export class AkSkAuth implements Authenticator {
  constructor(
    private readonly cfg: CloudConfig & { auth: AkSkAuthConfig },
    private readonly now: () => number = Date.now,
  ) {}

  async authorize(r: AuthorizeInput): Promise<Record<string, string>> {
    const a = this.cfg.auth;
    const headers: Record<string, string> = {
      Host: r.url.host,
      'X-Sdk-Date': sdkDate(new Date(this.now())),
      // Project-scoped services take the project from this header (§2.2 step 6).
      'X-Project-Id': a.projectId,
    };
    if (a.securityToken) headers['X-Security-Token'] = a.securityToken.reveal();
    const ct = r.headers['Content-Type'];
    // Sign what identifies the request: host, date, project, token and the body's type (as the signing guide does).
    const toSign = { ...headers, ...(ct ? { 'Content-Type': ct } : {}) };
    const s = sign({ method: r.method, url: r.url, headers: toSign, body: r.body }, { ak: a.accessKey.reveal(), sk: a.secretKey.reveal() });
    return { ...headers, Authorization: s.authorization };
  }

  invalidate(): boolean {
    return false;
  }

  async projectId(): Promise<string> {
    return this.cfg.auth.projectId;
  }

  /** No catalog to read: AK/SK is the OTC/Huawei gateway's scheme (config.ts refuses it with `openstack`). */
  async profile(): Promise<Profile> {
    return this.cfg.profile ?? 'otc';
  }

  async endpoint(service: ServiceKey): Promise<string> {
    const url = templateEndpoint(this.cfg, service, this.cfg.auth.projectId);
    return service === 'ims' ? imageBase(url) : url;
  }

  secrets(): string[] {
    const a = this.cfg.auth;
    return [a.accessKey.reveal(), a.secretKey.reveal(), ...(a.securityToken ? [a.securityToken.reveal()] : [])];
  }
}

export function createAuthenticator(cfg: CloudConfig, http: HttpClient, o: TokenAuthOptions = {}): Authenticator {
  return cfg.auth.type === 'password'
    ? new TokenAuth(cfg as CloudConfig & { auth: PasswordAuthConfig }, http, o)
    : new AkSkAuth(cfg as CloudConfig & { auth: AkSkAuthConfig }, o.now);
}
