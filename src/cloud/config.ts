// Cloud settings "as OpenStack users already have them" (openstacksdk conventions).
//
// With a cloud name (`cloud` argument, else OS_CLOUD): the entry `clouds.<name>` of the first clouds.yaml found in
//   OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml
// deep-merged with `clouds.<name>` of the secure.yaml next to it (or OS_CLIENT_SECURE_FILE). Keys read:
//   auth.auth_url, auth.username | auth.user_id, auth.password,
//   auth.user_domain_name | auth.user_domain_id | auth.domain_name | auth.domain_id,
//   auth.project_id | auth.project_name, auth.project_domain_name | auth.project_domain_id,
//   auth.ak + auth.sk (+ auth.project_id, auth.security_token) for AK/SK signing instead of a password,
//   region_name, interface (public | internal | admin),
//   block_storage_endpoint_override | volume_endpoint_override | evs_endpoint_override,
//   ecs_endpoint_override, image_endpoint_override | ims_endpoint_override,
//   endpoint_template (AK/SK: `https://{service}.{region}.example.com`, see catalog.ts), verify, cacert,
//   compute_endpoint_override (Nova, openstack profile), evs_export_profile (otc | openstack | auto, profile.ts),
//   evs_export_api_rps + evs_export_api_burst (the account's API budget, shared by every worker: account-budget.ts).
// Without a cloud name, the environment:
//   OS_AUTH_URL, OS_USERNAME | OS_USER_ID, OS_PASSWORD,
//   OS_USER_DOMAIN_NAME | OS_USER_DOMAIN_ID | OS_DOMAIN_NAME | OS_DOMAIN_ID,
//   OS_PROJECT_ID | OS_PROJECT_NAME (or OS_TENANT_ID | OS_TENANT_NAME), OS_PROJECT_DOMAIN_NAME | OS_PROJECT_DOMAIN_ID,
//   OS_ACCESS_KEY + OS_SECRET_KEY (+ OS_SECURITY_TOKEN) for AK/SK, OS_REGION_NAME, OS_INTERFACE,
//   OS_ENDPOINT_OVERRIDE_EVS, OS_ENDPOINT_OVERRIDE_ECS, OS_ENDPOINT_OVERRIDE_IMS, OS_ENDPOINT_TEMPLATE,
//   OS_CACERT, OS_INSECURE.
// Both ways: EVS_EXPORT_API_RPS and EVS_EXPORT_API_BURST set the account's API budget (ratelimit.ts), and
// EVS_EXPORT_PROFILE (otc | openstack | auto) the API dialect, winning over clouds.yaml's evs_export_profile.
//
// Secrets are held in `Secret` boxes that print as "[redacted]"; `describeCloudConfig()` is the loggable summary.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { CloudConfigError } from './errors';
import { type Profile, PROFILE_SETTINGS } from './profile';
import type { RateLimit } from './ratelimit';

export { CloudConfigError };

/** A credential that does not show up when logged, inspected or serialised. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}

export interface PasswordAuthConfig {
  type: 'password';
  /** Keystone v3 URL, with or without the trailing `/v3`. */
  authUrl: string;
  username?: string;
  userId?: string;
  password: Secret;
  userDomainName?: string;
  userDomainId?: string;
  projectId?: string;
  projectName?: string;
  projectDomainName?: string;
  projectDomainId?: string;
}

export interface AkSkAuthConfig {
  type: 'aksk';
  accessKey: Secret;
  secretKey: Secret;
  projectId: string;
  /** Temporary AK/SK (sent as X-Security-Token, §2.2). */
  securityToken?: Secret;
}

export type ServiceKey = 'evs' | 'ecs' | 'ims';
export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CloudConfig {
  /** Where the settings came from, for messages: `environment (OS_*)` or `clouds.yaml <path> cloud "<name>"`. */
  source: string;
  auth: PasswordAuthConfig | AkSkAuthConfig;
  region?: string;
  interface: EndpointInterface;
  /** Explicit endpoints, winning over the catalog; may contain `{project_id}`. */
  endpointOverrides: Partial<Record<ServiceKey, string>>;
  /** AK/SK mode without a catalog: `https://{service}.{region}.otc.t-systems.com` (catalog.ts). */
  endpointTemplate?: string;
  tls?: { verify: boolean; cacert?: string; ca?: string };
  rateLimit?: Partial<RateLimit>;
  /** The API dialect (profile.ts); absent = detected from the Keystone catalog (AK/SK, which has none: `otc`). */
  profile?: Profile;
  /** Nova's endpoint for the openstack profile (`compute_endpoint_override`); else the `ecs` override serves. */
  computeEndpointOverride?: string;
}

export interface LoadCloudConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Cloud name in clouds.yaml; default OS_CLOUD. */
  cloud?: string;
  /** clouds.yaml candidates, instead of the default search list. */
  files?: string[];
}

type Entry = Record<string, unknown>;
const isObj = (v: unknown): v is Entry => typeof v === 'object' && v !== null && !Array.isArray(v);

export function loadCloudConfig(o: LoadCloudConfigOptions = {}): CloudConfig {
  const env = o.env ?? process.env;
  const name = o.cloud ?? (env.OS_CLOUD || undefined);
  const cfg = name ? fromCloudsYaml(name, env, o.files) : fromEnv(env);
  const rateLimit = rateLimitFromEnv(env);
  if (rateLimit) cfg.rateLimit = { ...cfg.rateLimit, ...rateLimit };
  const profile = env.EVS_EXPORT_PROFILE;
  if (profile !== undefined && profile !== '') setProfile(cfg, profile, 'EVS_EXPORT_PROFILE');
  return cfg;
}

function setProfile(cfg: CloudConfig, value: unknown, setting: string): void {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (!(PROFILE_SETTINGS as readonly unknown[]).includes(v)) {
    throw new CloudConfigError(
      `${cfg.source}: ${setting} must be one of ${PROFILE_SETTINGS.join(', ')}, got ${JSON.stringify(value)}`,
      setting,
    );
  }
  if (v === 'auto') delete cfg.profile;
  else cfg.profile = v as Profile;
  if (cfg.profile === 'openstack' && cfg.auth.type === 'aksk') {
    throw new CloudConfigError(
      `${cfg.source}: ${setting} is openstack, but AK/SK signing is Open Telekom Cloud's and Huawei Cloud's API gateway; ` +
        'a vanilla OpenStack cloud needs password authentication (auth_url, username, password)',
      setting,
    );
  }
}

/** Safe to log: auth URL, user, project, region, interface, endpoints — never a password, token or key. */
export function describeCloudConfig(cfg: CloudConfig): string {
  const a = cfg.auth;
  const parts = [cfg.source];
  if (a.type === 'password') {
    const domain = a.userDomainName ?? a.userDomainId;
    parts.push(`password auth at ${safeUrl(a.authUrl)}`);
    parts.push(`user ${a.username ?? a.userId}${domain ? ` (domain ${domain})` : ''}`);
    parts.push(`project ${a.projectId ?? a.projectName}`);
  } else {
    parts.push(`AK/SK auth, project ${a.projectId}`);
  }
  parts.push(`region ${cfg.region ?? '(from catalog)'}`, `interface ${cfg.interface}`);
  if (cfg.profile) parts.push(`profile ${cfg.profile}`);
  const overrides = Object.entries(cfg.endpointOverrides).map(([k, v]) => `${k}=${safeUrl(v)}`);
  if (overrides.length) parts.push(`endpoints ${overrides.join(' ')}`);
  if (cfg.endpointTemplate) parts.push(`endpoint template ${cfg.endpointTemplate}`);
  return parts.join(', ');
}

/** A URL without user info (`https://user:pass@host` would otherwise print a password). */
function safeUrl(u: string): string {
  return u.replace(/^(https?:\/\/)[^/@]*@/i, '$1');
}

// ---------------------------------------------------------------------------------------------------------

/** How each clouds.yaml key is spelled in the environment. */
const ENV_NAMES: Record<string, string> = {
  'auth.auth_url': 'OS_AUTH_URL',
  'auth.username': 'OS_USERNAME',
  'auth.user_id': 'OS_USER_ID',
  'auth.password': 'OS_PASSWORD',
  'auth.user_domain_name': 'OS_USER_DOMAIN_NAME',
  'auth.user_domain_id': 'OS_USER_DOMAIN_ID',
  'auth.domain_name': 'OS_DOMAIN_NAME',
  'auth.domain_id': 'OS_DOMAIN_ID',
  'auth.project_id': 'OS_PROJECT_ID',
  'auth.project_name': 'OS_PROJECT_NAME',
  'auth.project_domain_name': 'OS_PROJECT_DOMAIN_NAME',
  'auth.project_domain_id': 'OS_PROJECT_DOMAIN_ID',
  'auth.ak': 'OS_ACCESS_KEY',
  'auth.sk': 'OS_SECRET_KEY',
  'auth.security_token': 'OS_SECURITY_TOKEN',
  region_name: 'OS_REGION_NAME',
  interface: 'OS_INTERFACE',
  evs_endpoint_override: 'OS_ENDPOINT_OVERRIDE_EVS',
  ecs_endpoint_override: 'OS_ENDPOINT_OVERRIDE_ECS',
  ims_endpoint_override: 'OS_ENDPOINT_OVERRIDE_IMS',
  compute_endpoint_override: 'OS_COMPUTE_ENDPOINT_OVERRIDE',
  endpoint_template: 'OS_ENDPOINT_TEMPLATE',
  cacert: 'OS_CACERT',
  verify: 'OS_INSECURE',
};

function fromEnv(env: NodeJS.ProcessEnv): CloudConfig {
  const get = (n: string) => (env[n] === undefined || env[n] === '' ? undefined : env[n]);
  const auth: Entry = {};
  const entry: Entry = { auth };
  for (const [key, envName] of Object.entries(ENV_NAMES)) {
    let v = get(envName);
    if (key === 'auth.project_id') v ??= get('OS_TENANT_ID');
    if (key === 'auth.project_name') v ??= get('OS_TENANT_NAME');
    if (key === 'evs_endpoint_override') v ??= get('OS_BLOCK_STORAGE_ENDPOINT_OVERRIDE') ?? get('OS_VOLUME_ENDPOINT_OVERRIDE');
    if (key === 'ims_endpoint_override') v ??= get('OS_IMAGE_ENDPOINT_OVERRIDE');
    if (v === undefined) continue;
    if (key === 'verify') entry.verify = !/^(1|true|yes)$/i.test(v);
    else if (key.startsWith('auth.')) auth[key.slice(5)] = v;
    else entry[key] = v;
  }
  if (!auth.auth_url && !auth.ak && !auth.sk) {
    throw new CloudConfigError(
      'no cloud configured: set OS_CLOUD (with a clouds.yaml) or OS_AUTH_URL and the other OS_* variables',
      'OS_AUTH_URL',
    );
  }
  return build(entry, 'environment (OS_*)', (key) => ENV_NAMES[key] ?? key, process.cwd());
}

function defaultFiles(env: NodeJS.ProcessEnv): string[] {
  return [
    env.OS_CLIENT_CONFIG_FILE,
    join(process.cwd(), 'clouds.yaml'),
    join(homedir(), '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ].filter((f): f is string => !!f);
}

function readYaml(file: string): Entry {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CloudConfigError(`cannot read ${file}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isObj(doc)) throw new CloudConfigError(`${file}: expected a mapping with a "clouds" key`);
  return doc;
}

function fromCloudsYaml(name: string, env: NodeJS.ProcessEnv, files?: string[]): CloudConfig {
  const searched = (files ?? defaultFiles(env)).map((f) => resolve(f));
  for (const file of searched) {
    if (!existsSync(file)) continue;
    const clouds = readYaml(file).clouds;
    if (!isObj(clouds) || !isObj(clouds[name])) continue;
    let entry = clouds[name];
    const secureFile = env.OS_CLIENT_SECURE_FILE ? resolve(env.OS_CLIENT_SECURE_FILE) : join(dirname(file), 'secure.yaml');
    if (existsSync(secureFile)) {
      const secure = readYaml(secureFile).clouds;
      if (isObj(secure) && isObj(secure[name])) entry = deepMerge(entry, secure[name]);
    }
    return build(entry, `clouds.yaml ${file} cloud "${name}"`, (key) => key, dirname(file));
  }
  throw new CloudConfigError(
    `cloud "${name}" (OS_CLOUD) not found in any clouds.yaml; searched: ${searched.join(', ') || '(nothing)'}`,
    'OS_CLOUD',
  );
}

function deepMerge(a: Entry, b: Entry): Entry {
  const out: Entry = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObj(v) && isObj(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}

function build(entry: Entry, source: string, settingName: (key: string) => string, baseDir: string): CloudConfig {
  const auth = isObj(entry.auth) ? entry.auth : {};
  const fail = (key: string, problem: string): never => {
    const s = settingName(key);
    throw new CloudConfigError(`${source}: ${s} ${problem}`, s);
  };
  const text = (obj: Entry, key: string, full: string): string | undefined => {
    const v = obj[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return fail(full, 'must be a string');
  };
  const a = (key: string) => text(auth, key, `auth.${key}`);
  const top = (key: string) => text(entry, key, key);
  const url = (key: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(value.replace(/\{[a-z_]+\}|[%$]\([a-z_]+\)s/g, 'x'));
    } catch {
      return fail(key, `is not a URL: ${JSON.stringify(value)}`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') fail(key, `must be an http(s) URL, got ${JSON.stringify(value)}`);
    return value.replace(/\/+$/, '');
  };

  let authCfg: PasswordAuthConfig | AkSkAuthConfig;
  const ak = a('ak');
  const sk = a('sk');
  if (ak !== undefined || sk !== undefined) {
    if (ak === undefined) fail('auth.ak', 'is missing (AK/SK auth needs both keys)');
    if (sk === undefined) fail('auth.sk', 'is missing (AK/SK auth needs both keys)');
    const projectId = a('project_id') ?? fail('auth.project_id', 'is missing (AK/SK auth signs for one project)');
    const token = a('security_token');
    authCfg = {
      type: 'aksk',
      accessKey: new Secret(ak!),
      secretKey: new Secret(sk!),
      projectId,
      ...(token ? { securityToken: new Secret(token) } : {}),
    };
  } else {
    const authUrl = url('auth.auth_url', a('auth_url')) ?? fail('auth.auth_url', 'is missing');
    const username = a('username');
    const userId = a('user_id');
    if (!username && !userId) fail('auth.username', 'is missing');
    const password = a('password') ?? fail('auth.password', 'is missing');
    const userDomainName = a('user_domain_name') ?? a('domain_name');
    const userDomainId = a('user_domain_id') ?? a('domain_id');
    if (username && !userDomainName && !userDomainId)
      fail('auth.user_domain_name', 'is missing (a user name is unique only within its domain)');
    const projectId = a('project_id');
    const projectName = a('project_name');
    if (!projectId && !projectName)
      fail('auth.project_id', 'is missing (or set the project name); EVS, ECS and IMS need a project-scoped token');
    const projectDomainName = a('project_domain_name') ?? a('domain_name') ?? (a('project_domain_id') ? undefined : userDomainName);
    const projectDomainId = a('project_domain_id') ?? a('domain_id') ?? (projectDomainName ? undefined : userDomainId);
    authCfg = strip({
      type: 'password' as const,
      authUrl,
      username,
      userId,
      password: new Secret(password),
      userDomainName,
      userDomainId,
      projectId,
      projectName,
      projectDomainName,
      projectDomainId,
    });
  }

  let iface = (top('interface') ?? 'public').toLowerCase().replace(/url$/, '');
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin')
    iface = fail('interface', `must be public, internal or admin, got ${JSON.stringify(top('interface'))}`);

  const endpointOverrides: Partial<Record<ServiceKey, string>> = {};
  const override = (service: ServiceKey, keys: string[]) => {
    for (const key of keys) {
      const v = url(key, top(key));
      if (v) {
        endpointOverrides[service] = v;
        return;
      }
    }
  };
  override('evs', [
    'evs_endpoint_override',
    'block_storage_endpoint_override',
    'volume_endpoint_override',
    'volumev2_endpoint_override',
    'volumev3_endpoint_override',
  ]);
  override('ecs', ['ecs_endpoint_override']);
  override('ims', ['ims_endpoint_override', 'image_endpoint_override']);
  const computeEndpointOverride = url('compute_endpoint_override', top('compute_endpoint_override'));
  const endpointTemplate = url('endpoint_template', top('endpoint_template'));
  const region = top('region_name');

  if (authCfg.type === 'aksk') {
    // Without a token there is no catalog: every endpoint comes from an override or the template.
    const missing = (['evs', 'ecs', 'ims'] as const).filter((s) => !endpointOverrides[s]);
    if (missing.length && !endpointTemplate) {
      fail(
        'endpoint_template',
        `is missing: AK/SK auth has no service catalog, so set it (or the endpoint overrides for ${missing.join(', ')})`,
      );
    }
    if (missing.length && endpointTemplate?.includes('{region}') && !region)
      fail('region_name', 'is missing (the endpoint template needs {region})');
  }

  const cfg: CloudConfig = { source, auth: authCfg, interface: iface as EndpointInterface, endpointOverrides };
  if (region) cfg.region = region;
  if (endpointTemplate) cfg.endpointTemplate = endpointTemplate;
  if (computeEndpointOverride) cfg.computeEndpointOverride = computeEndpointOverride;
  const profile = entry.evs_export_profile;
  if (profile !== undefined && profile !== null && profile !== '') setProfile(cfg, profile, settingName('evs_export_profile'));
  const rateLimit = rateLimitFrom((key) => entry[key], ['evs_export_api_rps', 'evs_export_api_burst'], fail);
  if (rateLimit) cfg.rateLimit = rateLimit;

  const verifyRaw = entry.verify;
  const verify = verifyRaw === undefined ? true : typeof verifyRaw === 'boolean' ? verifyRaw : !/^(0|false|no)$/i.test(String(verifyRaw));
  const cacert = top('cacert');
  if (!verify || cacert) {
    cfg.tls = { verify };
    if (cacert) {
      const path = resolve(baseDir, cacert);
      try {
        cfg.tls.ca = readFileSync(path, 'utf8');
      } catch {
        fail('cacert', `cannot be read: ${path}`);
      }
      cfg.tls.cacert = path;
    }
  }
  return cfg;
}

function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function rateLimitFromEnv(env: NodeJS.ProcessEnv): Partial<RateLimit> | undefined {
  return rateLimitFrom(
    (name) => env[name],
    ['EVS_EXPORT_API_RPS', 'EVS_EXPORT_API_BURST'],
    (name, problem) => {
      throw new CloudConfigError(`${name} ${problem}`, name);
    },
  );
}

/** The API budget from its two settings (environment variables or clouds.yaml keys), each a number > 0 when set. */
function rateLimitFrom(
  read: (key: string) => unknown,
  [rpsKey, burstKey]: [string, string],
  fail: (key: string, problem: string) => never,
): Partial<RateLimit> | undefined {
  const num = (key: string): number | undefined => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) fail(key, `must be a number > 0, got ${JSON.stringify(raw)}`);
    return n;
  };
  const rps = num(rpsKey);
  const burst = num(burstKey);
  if (rps === undefined && burst === undefined) return undefined;
  return { ...(rps !== undefined ? { requestsPerSecond: rps } : {}), ...(burst !== undefined ? { burst } : {}) };
}
