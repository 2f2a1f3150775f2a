// `npm run cluster` flags. Ports default to Temporal's own layout (frontend 7233, Web UI 8080 as in
// docker-compose.yml) and the simulator's usual 8780; PostgreSQL gets an unusual port so it never meets a
// system PostgreSQL on 5432.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TASK_QUEUE } from '../../src/workflows/api';
import { ROOT } from './paths';

export interface ClusterOptions {
  workers: number;
  /** Frontend gRPC port; the server's other ports follow it (serverPorts). */
  temporalPort: number;
  pgPort: number;
  simPort: number;
  uiPort: number;
  /** Build and run the Web UI server. */
  ui: boolean;
  taskQueue: string;
  /** PostgreSQL data under `<dataDir>/pg`, the rest under `<dataDir>/cluster`. */
  dataDir: string;
  /** Run the built worker (`npm run build`: lib/worker.js with its prebuilt workflow bundle) instead of src/ via tsx. */
  built: boolean;
  /** Seed the simulator with the demo topology. */
  demo: boolean;
}

export const DEFAULT_OPTIONS: ClusterOptions = {
  workers: 2,
  temporalPort: 7233,
  pgPort: 55432,
  simPort: 8780,
  uiPort: 8080,
  ui: true,
  taskQueue: DEFAULT_TASK_QUEUE,
  dataDir: join(ROOT, '.data'),
  built: false,
  demo: true,
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
  --no-ui              do not build or start the Web UI server
  --task-queue NAME    the workers' task queue (default ${DEFAULT_TASK_QUEUE})
  --data-dir DIR       state directory (default .data: PostgreSQL in DIR/pg, pids and logs in DIR/cluster)
  --built              run lib/worker.js (npm run build) instead of src/worker.ts through tsx
  --no-demo            start the simulator empty instead of seeding the demo topology`;

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
      'no-ui': { type: 'boolean', default: false },
      'task-queue': { type: 'string' },
      'data-dir': { type: 'string' },
      built: { type: 'boolean', default: false },
      'no-demo': { type: 'boolean', default: false },
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
      ui: !values['no-ui'],
      taskQueue: values['task-queue'] ?? d.taskQueue,
      dataDir: values['data-dir'] ? resolve(values['data-dir']) : d.dataDir,
      built: values.built,
      demo: !values['no-demo'],
    },
  };
}
