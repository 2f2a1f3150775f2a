// Shared helpers for the simulator tests: a sim on port 0 with short timings, raw HTTP calls through global
// fetch, and polling with a deadline (never a blind sleep).
import { afterEach, beforeEach } from 'vitest';
import { createSim, type CreateSimOptions, type SimServer } from '../../src/sim';

export const FAST = {
  stopMs: 30,
  hardStopMs: 10,
  startMs: 30,
  uploadBaseMs: 40,
  uploadMsPerGb: 1,
  imageActivateMs: 20,
  killedImageTtlMs: 40,
  jobInitMs: 0,
  snapshotMs: 20,
  volumeCreateBaseMs: 20,
  volumeCreateMsPerGb: 1,
  deleteMs: 20,
};

// Response bodies are asserted field by field; a loose type keeps the tests readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Res<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

export class Client {
  token?: string;
  constructor(readonly s: SimServer) {}

  get project(): string {
    return this.s.sim.account.projectId;
  }

  async call<T = Json>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (this.token && !('X-Auth-Token' in h)) h['X-Auth-Token'] = this.token;
    const r = await fetch(`${this.s.url}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : undefined };
  }

  async login(): Promise<string> {
    const a = this.s.sim.account;
    const r = await this.call('POST', '/v3/auth/tokens', authBody(a.userName, a.password, a.userDomainName, { id: a.projectId }));
    if (r.status !== 201) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
    this.token = r.headers.get('x-subject-token') ?? undefined;
    return this.token!;
  }

  admin<T = Json>(method: string, path: string, body?: unknown): Promise<Res<T>> {
    return this.call<T>(method, `/__sim${path}`, body, { 'X-Auth-Token': '' });
  }

  // Service shortcuts.
  volume = (id: string) => this.call('GET', `/evs/v2/${this.project}/volumes/${id}`);
  upload = (id: string, o: Record<string, unknown>) =>
    this.call('POST', `/evs/v2/${this.project}/volumes/${id}/action`, { 'os-volume_upload_image': o });
  server = (id: string) => this.call('GET', `/ecs/v1/${this.project}/cloudservers/${id}`);
  stop = (ids: string[], type?: 'SOFT' | 'HARD') =>
    this.call('POST', `/ecs/v1/${this.project}/cloudservers/action`, {
      'os-stop': { ...(type ? { type } : {}), servers: ids.map((id) => ({ id })) },
    });
  start = (ids: string[]) =>
    this.call('POST', `/ecs/v1/${this.project}/cloudservers/action`, { 'os-start': { servers: ids.map((id) => ({ id })) } });
  job = (id: string) => this.call('GET', `/ecs/v1/${this.project}/jobs/${id}`);
  image = (id: string) => this.call('GET', `/ims/v2/images/${id}`);
  snapshot = (id: string) => this.call('GET', `/evs/v2/${this.project}/snapshots/${id}`);
  createSnapshot = (o: Record<string, unknown>) => this.call('POST', `/evs/v2/${this.project}/snapshots`, { snapshot: o });
  deleteSnapshot = (id: string) => this.call('DELETE', `/evs/v2/${this.project}/snapshots/${id}`);
  createVolume = (o: Record<string, unknown>) => this.call('POST', `/evs/v2/${this.project}/volumes`, { volume: o });
  deleteVolume = (id: string, query = '') => this.call('DELETE', `/evs/v2/${this.project}/volumes/${id}${query}`);
}

export function authBody(name: string, password: string, domain: string, project?: { id?: string; name?: string }) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name, password, domain: { name: domain } } } },
      ...(project ? { scope: { project } } : {}),
    },
  };
}

/** Polls until `fn` returns a truthy value; fails with the last value after the deadline. */
type Falsy = undefined | null | false | 0 | '';

export async function waitFor<T>(fn: () => Promise<T | Falsy> | T | Falsy, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | Falsy;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A fresh sim (fast timings) and a logged-in client for each test. */
export function useSim(o: CreateSimOptions = {}): { c: Client; s: () => SimServer } {
  let server: SimServer | undefined;
  const holder = { c: undefined as unknown as Client, s: (): SimServer => server! };
  beforeEach(async () => {
    server = await createSim({ seed: 42, ...o, config: { ...o.config, timings: { ...FAST, ...o.config?.timings } } });
    holder.c = new Client(server);
    await holder.c.login();
  });
  afterEach(async () => {
    await server?.close();
  });
  return holder;
}
