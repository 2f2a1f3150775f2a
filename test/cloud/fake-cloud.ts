// A tiny cloud on a real node:http server (port 0, one per test): a Keystone token endpoint whose catalog points
// back at this server (evs/ecs/ims path prefixes), plus routes each test registers. It records every request so
// tests can assert method, path, headers and the exact body. Not the simulator: just enough wire for the client.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCloudClient, type CloudClientOptions } from '../../src/cloud/client';
import { loadCloudConfig } from '../../src/cloud/config';

export const PROJECT = '0391e4486e864c26be5654c522f440f2';
export const PASSWORD = 'pw-Sup3r-S3cret!';
export const USER = 'alice';

export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8')) as T;
}

export interface Recorded {
  method: string;
  /** Raw request target (path + query). */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export type Handler = (req: Recorded, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

interface Route {
  method: string;
  path: string | RegExp;
  handler: Handler;
  public: boolean;
}

export function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...(body !== undefined && typeof body !== 'string' ? { 'Content-Type': 'application/json' } : {}), ...headers });
  res.end(text);
}

export class FakeCloud {
  readonly requests: Recorded[] = [];
  readonly validTokens = new Set<string>();
  /** Token lifetime the Keystone route issues. */
  tokenTtlMs = 24 * 3600_000;
  /** Delay of the Keystone answer (to make concurrent token requests overlap). */
  tokenDelayMs = 0;
  tokensIssued = 0;
  catalog?: unknown[];
  private routes: Route[] = [];
  private server!: Server;
  url = '';

  static async start(): Promise<FakeCloud> {
    const c = new FakeCloud();
    c.server = createServer((req, res) => void c.dispatch(req, res));
    c.server.listen(0, '127.0.0.1');
    await once(c.server, 'listening');
    c.url = `http://127.0.0.1:${(c.server.address() as AddressInfo).port}`;
    c.on('POST', '/identity/v3/auth/tokens', (r, res) => c.issueToken(r, res), true);
    return c;
  }

  on(method: string, path: string | RegExp, handler: Handler, isPublic = false): this {
    // Later registrations win, so a test can override a default.
    this.routes.unshift({ method, path, handler, public: isPublic });
    return this;
  }

  /** Requests other than token requests. */
  serviceRequests(): Recorded[] {
    return this.requests.filter((r) => !r.path.endsWith('/auth/tokens'));
  }

  tokenRequests(): Recorded[] {
    return this.requests.filter((r) => r.path.endsWith('/auth/tokens'));
  }

  defaultCatalog(): unknown[] {
    const ep = (url: string) => [{ region_id: 'eu-de', id: 'e', region: 'eu-de', interface: 'public', url }];
    return [
      {
        type: 'identity',
        name: 'keystone',
        id: 'k',
        endpoints: [{ region_id: '*', region: '*', interface: 'public', url: `${this.url}/identity/v3` }],
      },
      { type: 'volumev2', name: 'cinderv2', id: 'v2', endpoints: ep(`${this.url}/evs/v2/${PROJECT}`) },
      { type: 'ecs', name: 'ecs', id: 'ecs', endpoints: ep(`${this.url}/ecs/v1/${PROJECT}`) },
      { type: 'image', name: 'glance', id: 'img', endpoints: ep(`${this.url}/ims`) },
    ];
  }

  async issueToken(_r: Recorded, res: ServerResponse): Promise<void> {
    if (this.tokenDelayMs) await new Promise((r) => setTimeout(r, this.tokenDelayMs));
    const n = ++this.tokensIssued;
    const token = `tok-${n}-0123456789abcdef`;
    this.validTokens.add(token);
    const now = Date.now();
    send(
      res,
      201,
      {
        token: {
          expires_at: new Date(now + this.tokenTtlMs).toISOString().replace('Z', '000Z'),
          issued_at: new Date(now).toISOString().replace('Z', '000Z'),
          methods: ['password'],
          user: { id: 'u1', name: USER, domain: { id: 'd1', name: 'Default' } },
          project: { id: PROJECT, name: 'eu-de_test', domain: { id: 'd1', name: 'Default' } },
          catalog: this.catalog ?? this.defaultCatalog(),
        },
      },
      { 'X-Subject-Token': token },
    );
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://x');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const rec: Recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: u.pathname,
      query: u.searchParams,
      headers: req.headers,
      body,
      json,
    };
    this.requests.push(rec);
    const route = this.routes.find(
      (r) => r.method === rec.method && (typeof r.path === 'string' ? r.path === rec.path : r.path.test(rec.path)),
    );
    if (!route) return send(res, 404, { error_msg: 'The API does not exist', error_code: 'APIGW.0101', request_id: 'r-404' });
    if (!route.public && !this.validTokens.has(String(req.headers['x-auth-token']))) {
      return send(res, 401, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
    }
    try {
      await route.handler(rec, res, req);
    } catch (err) {
      send(res, 500, { error: { message: String(err), code: 'TEST.500' } });
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}

export function passwordEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OS_AUTH_URL: `${url}/identity/v3`,
    OS_USERNAME: USER,
    OS_PASSWORD: PASSWORD,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_ID: PROJECT,
    OS_REGION_NAME: 'eu-de',
    ...extra,
  };
}

/** A client for `cloud` with fast retries and no rate limit unless the test says otherwise. */
export function clientFor(cloud: FakeCloud, o: CloudClientOptions = {}, env: Record<string, string> = {}) {
  return createCloudClient(loadCloudConfig({ env: passwordEnv(cloud.url, env) }), {
    rateLimit: false,
    ...o,
    retry: { baseDelayMs: 5, maxDelayMs: 50, ...o.retry },
  });
}
