// Where the cluster keeps its tools and state. Built at run time from the repository root, so no machine path
// is written into a tracked file.
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/** Go-built binaries (server, SQL tool, Web UI server), cached across runs; git-ignored like all of .tools/. */
export const TOOLS_DIR = join(ROOT, '.tools', 'cluster');
export const BIN_DIR = join(TOOLS_DIR, 'bin');
export const SERVER_BIN = join(BIN_DIR, 'server');
export const SQL_BIN = join(BIN_DIR, 'sql');
export const UI_BIN = join(BIN_DIR, 'ui-server');
/** The wrapper module the Web UI server builds from (its go.mod repeats ui-server's `replace` directives). */
export const UI_BUILD_DIR = join(TOOLS_DIR, 'ui-build');

/** The server's `--root`: its config (`config/cluster.yaml`) and dynamic config live here, next to compose's. */
export const TEMPORAL_ROOT = join(ROOT, 'deploy', 'temporal');
export const TEMPORAL_CONFIG_SUBDIR = 'config';
export const TEMPORAL_CONFIG_ENV = 'cluster';

export const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');

/** A cluster's state: PostgreSQL's data under `<dataDir>/pg`, pids.json, logs and the UI config under `<dataDir>/cluster`. */
export function clusterDirs(dataDir: string) {
  const state = join(dataDir, 'cluster');
  return {
    pgData: join(dataDir, 'pg'),
    state,
    pidsFile: join(state, 'pids.json'),
    logs: join(state, 'logs'),
    uiRoot: join(state, 'ui'),
  };
}
