// `npm run cluster` flags. Ports default to Temporal's own layout (frontend 7233, Web UI 8080 as in
// docker-compose.yml) and the simulator's usual 8780; PostgreSQL gets an unusual port so it never meets a
// system PostgreSQL on 5432.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkedBuildId, checkedDeploymentName } from '../../src/worker-deployment';
import { DEFAULT_TASK_QUEUE } from '../../src/workflows/api';
import { ROOT } from './paths';

export interface ClusterOptions {
  workers: number;
  /** Frontend gRPC port; the server's other ports follow it (serverPorts). */
  temporalPort: number;
  pgPort: number;
  simPort: number;
  uiPort: number;
  /** Prometheus /metrics of worker 1 (127.0.0.1); worker i serves on metricsPort + i - 1. */
  metricsPort: number;
  /** Build and run the Web UI server. */
  ui: boolean;
  taskQueue: string;
  /** PostgreSQL data under `<dataDir>/pg`, the rest under `<dataDir>/cluster`. */
  dataDir: string;
  /** Run the built worker (`npm run build`: lib/worker.js with its prebuilt workflow bundle) instead of src/ via tsx. */
  built: boolean;
  /** Seed the simulator with the demo topology. */
  demo: boolean;
  /** Worker Versioning: the workers form one version of this Worker Deployment (docs/upgrades.md); false = unversioned. */
  versioned: boolean;
  deploymentName: string;
  /** The workers' build id; unset = `<package.json version>-<git short sha>[-dirty]`, fixed when the cluster starts. */
  buildId?: string;
  /** Make the workers' version current once they poll, whatever version was current (the old workers are gone). */
  promote: boolean;
}

export const DEFAULT_OPTIONS: ClusterOptions = {
  workers: 2,
  temporalPort: 7233,
  pgPort: 55432,
  simPort: 8780,
  uiPort: 8080,
  metricsPort: 9464,
  ui: true,
  taskQueue: DEFAULT_TASK_QUEUE,
  dataDir: join(ROOT, '.data'),
  built: false,
  demo: true,
  versioned: true,
  deploymentName: 'evs-image-export',
  promote: true,
};

/** The server's ports, laid out as in Temporal's development configs when the frontend is on 7233. */
export function serverPorts(frontend: number) {
  return {
    frontend,
    frontendHttp: frontend + 10,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    frontendMembership: frontend - 300,
    historyMembership: frontend - 299,
    matchingMembership: frontend - 298,
    workerMembership: frontend - 294,
  };
}

function port(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${flag}: ${raw} is not a port number`);
  return n;
}

export const USAGE = `npm run cluster [-- options]      start (or show) the cluster
npm run cluster -- --stop          stop everything it started

  --workers N          worker processes (default 2)
  --temporal-port P    Temporal frontend gRPC (default 7233; the server also uses P+1, P+2, P+6, P+10, P-300..P-294)
  --pg-port P          PostgreSQL (default 55432)
  --sim-port P         cloud simulator (default 8780)
  --ui-port P          Temporal Web UI (default 8080)
  --metrics-port P     Prometheus /metrics of worker 1; worker i on P+i-1 (default 9464)
  --no-ui              do not build or start the Web UI server
  --task-queue NAME    the workers' task queue (default ${DEFAULT_TASK_QUEUE})
  --data-dir DIR       state directory (default .data: PostgreSQL in DIR/pg, pids and logs in DIR/cluster)
  --built              run lib/worker.js (npm run build) instead of src/worker.ts through tsx
  --no-demo            start the simulator empty instead of seeding the demo topology
  --deployment-name N  the workers' Worker Deployment (default evs-image-export; docs/upgrades.md)
  --build-id ID        the workers' build id (default <package.json version>-<git short sha>, -dirty for local changes)
  --no-promote         leave the deployment's current version alone (default: make the workers' version current)
  --unversioned        run unversioned workers (no Worker Versioning)`;

export function parseClusterArgs(argv: string[]): { stop: boolean; help: boolean; options: ClusterOptions } {
  const { values } = parseArgs({
    args: argv,
    options: {
      stop: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      workers: { type: 'string' },
      'temporal-port': { type: 'string' },
      'pg-port': { type: 'string' },
      'sim-port': { type: 'string' },
      'ui-port': { type: 'string' },
      'metrics-port': { type: 'string' },
      'no-ui': { type: 'boolean', default: false },
      'task-queue': { type: 'string' },
      'data-dir': { type: 'string' },
      built: { type: 'boolean', default: false },
      'no-demo': { type: 'boolean', default: false },
      'deployment-name': { type: 'string' },
      'build-id': { type: 'string' },
      'no-promote': { type: 'boolean', default: false },
      unversioned: { type: 'boolean', default: false },
    },
  });
  const workers = values.workers === undefined ? DEFAULT_OPTIONS.workers : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`--workers: ${values.workers} is not a whole number`);
  const d = DEFAULT_OPTIONS;
  return {
    stop: values.stop,
    help: values.help,
    options: {
      workers,
      temporalPort: port('temporal-port', values['temporal-port'], d.temporalPort),
      pgPort: port('pg-port', values['pg-port'], d.pgPort),
      simPort: port('sim-port', values['sim-port'], d.simPort),
      uiPort: port('ui-port', values['ui-port'], d.uiPort),
      metricsPort: port('metrics-port', values['metrics-port'], d.metricsPort),
      ui: !values['no-ui'],
      taskQueue: values['task-queue'] ?? d.taskQueue,
      dataDir: values['data-dir'] ? resolve(values['data-dir']) : d.dataDir,
      built: values.built,
      demo: !values['no-demo'],
      versioned: !values.unversioned,
      deploymentName: checkedDeploymentName(values['deployment-name'] ?? d.deploymentName, '--deployment-name'),
      ...(values['build-id'] !== undefined ? { buildId: checkedBuildId(values['build-id'], '--build-id') } : {}),
      promote: !values['no-promote'],
    },
  };
}
