// The processes on top of the server: the workers (src/worker.ts through tsx, or the built lib/worker.js), the
// cloud simulator standing in for the cloud, and the Temporal Web UI server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { simCloudEnv } from '../../src/sim/server';
import { workerVersionEnv } from './deployment';
import { retry } from './exec';
import { type ClusterOptions, DEFAULT_OPTIONS } from './options';
import { ROOT, UI_BIN } from './paths';
import { logSize, type ProcessRecord, spawnDaemon, waitForLogLine } from './processes';
import { NAMESPACE } from './temporal';

const BASE_ENV = () => ({ PATH: process.env.PATH, HOME: process.env.HOME });

/** The environment a CLI or worker needs to reach this cluster and its simulator. */
export function clusterEnv(o: ClusterOptions, temporalAddress: string, simUrl: string): Record<string, string> {
  return { TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: NAMESPACE, TEMPORAL_TASK_QUEUE: o.taskQueue, ...simCloudEnv(simUrl) };
}

/** Each start calls `onSpawn` at once, before waiting for readiness, so a failed start can still be stopped. */
type OnSpawn = (p: ProcessRecord) => void;

export async function startSim(o: ClusterOptions, logDir: string, onSpawn: OnSpawn): Promise<{ record: ProcessRecord; url: string }> {
  const script = join(ROOT, 'src', 'sim', 'main.ts');
  const args = ['--import', 'tsx', script, '--port', String(o.simPort), ...(o.demo ? ['--demo'] : [])];
  // Logs are appended across starts: only what this start writes counts.
  const offset = logSize(join(logDir, 'sim.log'));
  const record = spawnDaemon({ name: 'sim', kind: 'sim', cmd: process.execPath, args, match: script, cwd: ROOT, env: BASE_ENV(), logDir });
  onSpawn(record);
  await waitForLogLine(record, offset, 'cloud simulator listening on', 120_000);
  return { record, url: `http://127.0.0.1:${o.simPort}` };
}

/** Where worker `index` (1-based) serves its Prometheus /metrics. */
export function workerMetricsPort(o: Pick<ClusterOptions, 'metricsPort'>, index: number): number {
  // A cluster started before this option existed has none in its saved state.
  return (o.metricsPort ?? DEFAULT_OPTIONS.metricsPort) + index - 1;
}

/** Starts worker `index` (1-based), of the cluster's Worker Deployment Version; resolves once it polls its task queue. */
export async function startWorker(
  o: ClusterOptions,
  env: Record<string, string>,
  index: number,
  logDir: string,
  onSpawn: OnSpawn,
): Promise<ProcessRecord> {
  const script = o.built ? join(ROOT, 'lib', 'worker.js') : join(ROOT, 'src', 'worker.ts');
  const args = o.built ? [script] : ['--import', 'tsx', script];
  const name = `worker-${index}`;
  const offset = logSize(join(logDir, `${name}.log`));
  const record = spawnDaemon({
    name,
    kind: 'worker',
    cmd: process.execPath,
    args,
    match: script,
    cwd: ROOT,
    env: {
      ...BASE_ENV(),
      LOG_LEVEL: 'INFO',
      ...workerVersionEnv(o),
      EVS_EXPORT_METRICS_HOST: '127.0.0.1',
      EVS_EXPORT_METRICS_PORT: String(workerMetricsPort(o, index)),
      ...env,
    },
    logDir,
  });
  onSpawn(record);
  // From source each worker bundles the workflow code first: tens of seconds on a loaded machine.
  await waitForLogLine(record, offset, 'worker polling task queue', 300_000);
  return record;
}

/** The Web UI server's config: its loader has no templating or environment overrides, so it is written per start. */
function writeUiConfig(uiRoot: string, o: ClusterOptions, temporalAddress: string): void {
  const dir = join(uiRoot, 'config');
  mkdirSync(dir, { recursive: true });
  const config = {
    temporalGrpcAddress: temporalAddress,
    host: '127.0.0.1',
    port: o.uiPort,
    enableUi: true,
    defaultNamespace: NAMESPACE,
    refreshInterval: '1m',
    notifyOnNewVersion: false,
    cors: { cookieInsecure: false, allowOrigins: [] },
  };
  writeFileSync(join(dir, 'cluster.yaml'), `# Written by scripts/cluster/apps.ts at every start.\n${stringify(config)}`);
}

export async function startUi(
  o: ClusterOptions,
  temporalAddress: string,
  uiRoot: string,
  logDir: string,
  onSpawn: OnSpawn,
): Promise<{ record: ProcessRecord; url: string }> {
  writeUiConfig(uiRoot, o, temporalAddress);
  const record = spawnDaemon({
    name: 'ui',
    kind: 'ui',
    cmd: UI_BIN,
    args: ['--root', uiRoot, '--config', 'config', '--env', 'cluster', 'start'],
    match: UI_BIN,
    cwd: uiRoot,
    env: BASE_ENV(),
    logDir,
  });
  onSpawn(record);
  const url = `http://127.0.0.1:${o.uiPort}`;
  await retry('Web UI', async () => {
    const r = await fetch(`${url}/api/v1/settings`);
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
  });
  return { record, url };
}
