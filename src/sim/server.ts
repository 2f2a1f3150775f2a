// The simulator's HTTP front: one origin for Keystone, EVS, ECS and IMS (the catalog maps each service to a
// path prefix), plus the admin API under /__sim. `createSim()` listens on 127.0.0.1, port 0 by default.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PREFIX, adminRoutes } from './admin/routes';
import { ecsRoutes } from './ecs/routes';
import { type Service, serviceError, unknownApi } from './errors';
import { evsRoutes } from './evs/routes';
import type { Ctx, ServiceRoute } from './http/context';
import { BodyError, parseJsonBody, type Reply, readBody, readJson, send } from './http/io';
import { authKind, type Credentials, runServiceCall } from './http/pipeline';
import { findRoute } from './http/router';
import { imsRoutes } from './ims/routes';
import { keystoneRoutes } from './keystone/routes';
import { AdminError } from './model/rule-error';
import { openstackRoutes } from './openstack/routes';
import { DEFAULT_ACCOUNT, Sim, type SimOptions } from './sim';
import { versionRoutes } from './versions';
import type { SimAccount, SimDialect, SimHandle } from './types';

export interface CreateSimOptions extends SimOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface SimServer {
  url: string;
  port: number;
  sim: SimHandle;
  /** OS_* variables that point an OpenStack-style client at this simulator (Keystone password auth). */
  cloudEnv: Record<string, string>;
  /** The same for AK/SK signing with the account's pair: OS_ACCESS_KEY, OS_SECRET_KEY, OS_PROJECT_ID, OS_ENDPOINT_TEMPLATE. */
  cloudEnvAkSk: Record<string, string>;
  /**
   * A clouds.yaml with one cloud, `sim`, for this simulator (password auth), naming the dialect as the client's
   * profile (`evs_export_profile`); use it with OS_CLIENT_CONFIG_FILE and OS_CLOUD=sim.
   */
  cloudsYaml: string;
  close(): Promise<void>;
}

const SERVICE_ROUTES: ServiceRoute[] = [...keystoneRoutes, ...evsRoutes, ...ecsRoutes, ...imsRoutes, ...versionRoutes, ...openstackRoutes];

export async function createSim(options: CreateSimOptions = {}): Promise<SimServer> {
  const sim = new Sim(options);
  const server = createServer((req, res) => {
    handle(sim, req, res).catch((err: unknown) => {
      console.error('[sim] request failed:', err);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      sim.world.engine.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  return {
    url,
    port,
    sim,
    cloudEnv: simCloudEnv(url, sim.account),
    cloudEnvAkSk: simCloudEnv(url, sim.account, 'aksk'),
    cloudsYaml: simCloudsYaml(url, sim.account, sim.dialect),
    close,
  };
}

/** clouds.yaml for a simulator at `url` (cloud `sim`): password auth, and the dialect as `evs_export_profile`. */
export function simCloudsYaml(url: string, account: Partial<SimAccount> = {}, dialect: SimDialect = 'otc'): string {
  const a = { ...DEFAULT_ACCOUNT, ...account };
  const q = (v: string) => JSON.stringify(v);
  return [
    'clouds:',
    '  sim:',
    '    auth:',
    `      auth_url: ${q(`${url}/v3`)}`,
    `      username: ${q(a.userName)}`,
    `      password: ${q(a.password)}`,
    `      user_domain_name: ${q(a.userDomainName)}`,
    `      project_id: ${q(a.projectId)}`,
    `    region_name: ${q(a.region)}`,
    '    interface: public',
    '    identity_api_version: 3',
    `    evs_export_profile: ${dialect}`,
    '',
  ].join('\n');
}

/**
 * The OpenStack environment (as read by the project's cloud config) for a simulator at `url`: Keystone password
 * auth by default; with `aksk`, the account's AK/SK pair and, as there is no catalog then, an endpoint template
 * that maps `{service}` to the simulator's path prefixes (`/evs/v2/{project_id}`, `/ecs/v1/{project_id}`, `/ims`).
 */
export function simCloudEnv(
  url: string,
  account: Partial<SimAccount> = {},
  auth: 'password' | 'aksk' = 'password',
): Record<string, string> {
  const a = { ...DEFAULT_ACCOUNT, ...account };
  if (auth === 'aksk') {
    return {
      OS_ACCESS_KEY: a.accessKey,
      OS_SECRET_KEY: a.secretKey,
      OS_PROJECT_ID: a.projectId,
      OS_REGION_NAME: a.region,
      OS_ENDPOINT_TEMPLATE: `${url}/{service}`,
    };
  }
  return {
    OS_AUTH_URL: `${url}/v3`,
    OS_USERNAME: a.userName,
    OS_PASSWORD: a.password,
    OS_USER_DOMAIN_NAME: a.userDomainName,
    OS_PROJECT_ID: a.projectId,
    OS_PROJECT_NAME: a.projectName,
    OS_REGION_NAME: a.region,
    OS_INTERFACE: 'public',
    OS_IDENTITY_API_VERSION: '3',
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(sim: Sim, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = `req-${randomUUID()}`;
  const base = `http://${req.headers.host ?? '127.0.0.1'}`;
  const url = new URL(req.url ?? '/', base);
  const method = req.method ?? 'GET';

  if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`)) {
    return send(res, await adminCall(sim, req, method, url, base), requestId);
  }

  const found = findRoute(SERVICE_ROUTES, method, url.pathname);
  if (!found) return send(res, errorReply(unknownApi(requestId)), requestId);
  const { route, params } = found;
  let raw: Buffer;
  let body: unknown;
  try {
    raw = await readBody(req);
    body = parseJsonBody(raw);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    return send(res, errorReply(malformed(route.service)), requestId);
  }
  const ctx: Ctx = { sim, params, query: url.searchParams, body, base, requestId, headers: req.headers };
  const credentials: Credentials = {
    token: headerValue(req.headers['x-auth-token']),
    wire: { method, target: req.url ?? '/', headers: req.headers, body: raw },
  };
  const { op, reply, lost } = await runServiceCall(route, ctx, credentials);
  const auth = route.public ? 'none' : authKind(credentials);
  sim.world.events.emit('api.call', { op, method, path: url.pathname, status: lost ? null : reply.status, lost, requestId, auth });
  if (lost) {
    // The effect happened; the client only sees the connection die (socket hang up / ECONNRESET).
    req.socket.destroy();
    return;
  }
  send(res, reply, requestId);
}

async function adminCall(sim: Sim, req: IncomingMessage, method: string, url: URL, base: string): Promise<Reply> {
  try {
    const found = findRoute(adminRoutes, method, url.pathname);
    if (!found) throw new AdminError(`no admin route ${method} ${url.pathname}`, 404);
    const body = await readJson(req);
    return found.route.handle({ sim, params: found.params, query: url.searchParams, body, base });
  } catch (err) {
    if (err instanceof AdminError || err instanceof BodyError) {
      return { status: err instanceof AdminError ? err.status : 400, body: { error: { message: err.message } } };
    }
    throw err;
  }
}

const malformed = (service: Service) =>
  service === 'keystone'
    ? serviceError('keystone', 400)
    : service === 'ecs'
      ? serviceError('ecs', 400, 'Ecs.0000', 'Request error: malformed JSON body.')
      : serviceError(service, 400);

const errorReply = (e: { status: number; body: unknown; headers: Record<string, string> }): Reply => ({
  status: e.status,
  body: e.body,
  headers: e.headers,
});

const headerValue = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);
