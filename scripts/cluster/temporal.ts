// The Temporal server process and what the server leaves to its operator: it does not create the `default`
// namespace, and search attributes registered right after the namespace need retries until the server's
// namespace cache (refreshed every 2 s) has seen it.
import { Connection } from '@temporalio/client';
import { temporalCliPath } from '../../src/dev/temporal-cli';
import { ensureSearchAttributes } from '../../src/search-attributes';
import { retry, run } from './exec';
import { serverPorts } from './options';
import { SERVER_BIN, TEMPORAL_CONFIG_ENV, TEMPORAL_CONFIG_SUBDIR, TEMPORAL_ROOT } from './paths';
import { PG_PASSWORD, PG_USER } from './postgres';
import { alive, logTail, type ProcessRecord, spawnDaemon } from './processes';

export const NAMESPACE = 'default';
const RETENTION = '7d';

/** The variables deploy/temporal/config/cluster.yaml reads. */
export function serverEnv(temporalPort: number, pgPort: number): Record<string, string> {
  const p = serverPorts(temporalPort);
  return {
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(pgPort),
    POSTGRES_USER: PG_USER,
    POSTGRES_PWD: PG_PASSWORD,
    FRONTEND_GRPC_PORT: String(p.frontend),
    FRONTEND_HTTP_PORT: String(p.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(p.frontendMembership),
    HISTORY_GRPC_PORT: String(p.history),
    HISTORY_MEMBERSHIP_PORT: String(p.historyMembership),
    MATCHING_GRPC_PORT: String(p.matching),
    MATCHING_MEMBERSHIP_PORT: String(p.matchingMembership),
    WORKER_GRPC_PORT: String(p.worker),
    WORKER_MEMBERSHIP_PORT: String(p.workerMembership),
  };
}

export function spawnTemporalServer(temporalPort: number, pgPort: number, logDir: string): ProcessRecord {
  return spawnDaemon({
    name: 'temporal',
    kind: 'temporal',
    cmd: SERVER_BIN,
    args: ['--root', TEMPORAL_ROOT, '--config', TEMPORAL_CONFIG_SUBDIR, '--env', TEMPORAL_CONFIG_ENV, '--allow-no-auth', 'start'],
    match: SERVER_BIN,
    // The dynamic config path in the config is relative to the root.
    cwd: TEMPORAL_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...serverEnv(temporalPort, pgPort) },
    logDir,
  });
}

/** Resolves once the frontend answers; fails early, with the log, if the server exits. */
export async function waitForFrontend(p: ProcessRecord, address: string, timeoutMs = 120_000): Promise<void> {
  await retry(
    `Temporal frontend at ${address}`,
    async () => {
      if (!alive(p)) throw new Error(`the server exited; ${p.log}:\n${logTail(p.log)}`);
      const c = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await c.workflowService.getSystemInfo({});
      } finally {
        await c.close();
      }
    },
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${p.log}:\n${logTail(p.log)}`);
  });
}

/** Creates the namespace if missing (as compose's init job does, with the Temporal CLI), then our search attributes. */
export async function initNamespace(address: string): Promise<void> {
  const cli = temporalCliPath();
  await retry(`namespace ${NAMESPACE}`, async () => {
    const exists = await run(cli, ['operator', 'namespace', 'describe', '--address', address, '-n', NAMESPACE]).then(
      () => true,
      () => false,
    );
    if (!exists) await run(cli, ['operator', 'namespace', 'create', '--address', address, '-n', NAMESPACE, '--retention', RETENTION]);
  });
  const connection = await Connection.connect({ address });
  try {
    await retry('search attributes', () => ensureSearchAttributes(connection, NAMESPACE), 60_000, 1000);
  } finally {
    await connection.close();
  }
}
