// Brings a cluster up for the cluster tests — its own one, under .data/cluster-test on ports of its own, so a
// cluster started with `npm run cluster` is left alone — and tears it down afterwards. EVS_CLUSTER_PIDS points
// at the pids.json of a running cluster to test that one instead (it is left running; its simulator is reset).
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { down } from '../../scripts/cluster/down';
import { DEFAULT_OPTIONS } from '../../scripts/cluster/options';
import { clusterDirs, ROOT } from '../../scripts/cluster/paths';
import { readState } from '../../scripts/cluster/processes';
import { up } from '../../scripts/cluster/up';

declare module 'vitest' {
  export interface ProvidedContext {
    clusterPidsFile: string;
  }
}

export const TEST_CLUSTER = {
  ...DEFAULT_OPTIONS,
  workers: 2,
  temporalPort: 17233,
  pgPort: 15432,
  simPort: 18780,
  uiPort: 18080,
  metricsPort: 19464,
  dataDir: join(ROOT, '.data', 'cluster-test'),
  demo: false,
};

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.EVS_CLUSTER_PIDS;
  if (external) {
    if (!readState(resolve(external))) throw new Error(`EVS_CLUSTER_PIDS=${external}: no cluster state there`);
    project.provide('clusterPidsFile', resolve(external));
    return undefined;
  }
  const log = (s: string) => console.log(`[cluster] ${s}`);
  const dirs = clusterDirs(TEST_CLUSTER.dataDir);
  // A run that was killed may have left its cluster up; a fresh database each run tests the whole set-up.
  await down(TEST_CLUSTER.dataDir, log);
  rmSync(TEST_CLUSTER.dataDir, { recursive: true, force: true });
  const started = Date.now();
  const r = await up(TEST_CLUSTER, log);
  log(
    `up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(r.timings)}${r.uiSkipped ? `; no Web UI: ${r.uiSkipped}` : ''}`,
  );
  project.provide('clusterPidsFile', dirs.pidsFile);
  return async () => {
    await down(TEST_CLUSTER.dataDir, log);
  };
}
