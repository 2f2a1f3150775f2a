// Where bench:scale runs its workflows: the Temporal dev server (the repository's CLI in .tools/temporal, SQLite
// in memory) or the production-like cluster of `npm run cluster` (PostgreSQL and the Temporal server built from
// source; scripts/cluster/*), brought up on ports and a data directory of its own so that a cluster started by
// hand or by `npm run test:cluster` is left alone. Either way the workers and the simulator are the benchmark's.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { down } from '../../scripts/cluster/down';
import { DEFAULT_OPTIONS } from '../../scripts/cluster/options';
import { up } from '../../scripts/cluster/up';
import { startDevServer } from '../../src/dev/dev-server';
import { ROOT } from './report';
import { metricsEndpoint } from './server-metrics';
import { onShutdown } from './setup';

export type TargetName = 'dev-server' | 'cluster';
export const TARGETS: readonly TargetName[] = ['dev-server', 'cluster'];

export interface Target {
  name: TargetName;
  address: string;
  namespace: string;
  /** The server process (dev server only: the cluster's server runs detached), for its CPU time. */
  pid?: number;
  /** The server's own Prometheus endpoint (dev server only), for its persistence counters. */
  metricsUrl?: string;
}

/** The cluster's data directory and its ports: unusual ones, clear of `npm run cluster` and the cluster tests. */
export const BENCH_CLUSTER = {
  ...DEFAULT_OPTIONS,
  workers: 0,
  temporalPort: 27233,
  pgPort: 25432,
  simPort: 28780,
  uiPort: 28080,
  metricsPort: 29464,
  ui: false,
  demo: false,
  versioned: false,
  dataDir: join(ROOT, '.data', 'bench-scale-cluster'),
};

export async function startTarget(name: TargetName, log: (line: string) => void): Promise<Target> {
  if (name === 'dev-server') {
    const metrics = await metricsEndpoint();
    const server = await startDevServer({ extraArgs: metrics.args });
    onShutdown(() => server.stop());
    return { name, address: server.address, namespace: server.namespace, pid: server.pid, metricsUrl: metrics.url };
  }
  // A killed earlier run may have left its cluster up; a fresh database each run, as the cluster tests do.
  await down(BENCH_CLUSTER.dataDir, log);
  rmSync(BENCH_CLUSTER.dataDir, { recursive: true, force: true });
  onShutdown(() => down(BENCH_CLUSTER.dataDir, log));
  const r = await up(BENCH_CLUSTER, log);
  log(`cluster up: ${JSON.stringify(r.timings)}`);
  return { name, address: r.state.temporalAddress, namespace: r.state.namespace };
}
