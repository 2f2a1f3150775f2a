// The simulator's admin API (`/__sim`) over HTTP: on the cluster the simulator is a process of its own, so the
// tests drive it the way an operator would, never through an in-process handle.
import type { ConfigPatch, OracleReport, SeedResult, SeedSpec, SimEvent, SimState } from '../../src/sim/types';

export class SimAdmin {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await fetch(`${this.url}/__sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} /__sim${path}: HTTP ${r.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  reset = () => this.call<void>('POST', '/reset', {});
  setConfig = (patch: ConfigPatch) => this.call<unknown>('PUT', '/config', patch);
  seed = (spec: SeedSpec) => this.call<SeedResult>('POST', '/seed', spec);
  state = () => this.call<SimState>('GET', '/state');
  oracle = () => this.call<OracleReport>('GET', '/oracle');
  events = async (since = 0) => (await this.call<{ events: SimEvent[] }>('GET', `/events?since=${since}`)).events;
  advance = (kind: string, id: string) => this.call<unknown>('POST', '/advance', { kind, id });
}
