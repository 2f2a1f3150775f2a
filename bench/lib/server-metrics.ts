// The Temporal dev server's own counters (its Prometheus endpoint, `start-dev --metrics-port`): how much work
// the server did for a benchmark run — persistence requests and the RPCs it served, by operation.
import { freePort } from '../../src/dev/dev-server';

export type Counters = Record<string, number>;

/** `--metrics-port` for the dev server, and the URL to read. */
export async function metricsEndpoint(): Promise<{ args: string[]; url: string }> {
  const port = await freePort();
  return { args: ['--metrics-port', String(port)], url: `http://127.0.0.1:${port}/metrics` };
}

/** Sums each named counter by its `operation` label: `{ 'persistence_requests': total, 'persistence_requests:UpdateWorkflowExecution': n, ... }`. */
export async function readCounters(url: string, names: readonly string[] = ['persistence_requests', 'service_requests']): Promise<Counters> {
  const text = await (await fetch(url)).text();
  const out: Counters = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    if (!m || !names.includes(m[1])) continue;
    const op = /operation="([^"]*)"/.exec(m[2])?.[1] ?? '';
    const v = Number(m[3]);
    out[m[1]] = (out[m[1]] ?? 0) + v;
    out[`${m[1]}:${op}`] = (out[`${m[1]}:${op}`] ?? 0) + v;
  }
  return out;
}

export function diff(after: Counters, before: Counters): Counters {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => (v as number) > 0));
}
