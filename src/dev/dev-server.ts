// Starts `temporal server start-dev` as a child process and waits until it answers. Used by the demo, the
// `npm start` stack and the test suite's global setup (one server for the whole run, as the SDK's own
// ephemeral-server start gives a binary only 5 s, too little on a loaded 2-core machine).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerSearchAttributeArgs, ensureSearchAttributes } from '../search-attributes';
import { temporalCliPath } from './temporal-cli';

export interface DevServerOptions {
  /** gRPC port; 0 picks a free one. Default 0. */
  port?: number;
  /** Web UI port; `false` runs headless. Default false. */
  uiPort?: number | false;
  /** SQLite file for persistence; in-memory when absent. */
  dbFile?: string;
  namespace?: string;
  /** How long to wait for the server to answer. Default 60 s. */
  startTimeoutMs?: number;
  /** More `temporal server start-dev` arguments, e.g. `--dynamic-config-value K=V`. */
  extraArgs?: string[];
  /** Where the server's own log lines go. Default: dropped (kept for the error message on failure). */
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The server's process id (benchmarks read its resource use). */
  pid?: number;
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: for tests that restart the server on its database file. */
  kill(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

/** Throws naming the port when something already listens on it (else we would talk to someone else's server). */
async function ensurePortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((done, reject) => {
    const srv = createServer();
    srv.once('error', () => reject(new Error(`${what} port ${port} is already in use (another \`npm start\`?); choose another`)));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done()));
  });
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const namespace = opts.namespace ?? 'default';
  if (opts.port) await ensurePortFree(opts.port, 'Temporal gRPC');
  if (typeof opts.uiPort === 'number') await ensurePortFree(opts.uiPort, 'Temporal Web UI');
  const port = opts.port || (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  if (opts.uiPort === undefined || opts.uiPort === false) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  args.push(...devServerSearchAttributeArgs(), ...(opts.extraArgs ?? []));

  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      opts.log?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = exited(child);

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  let connection: Connection | undefined;
  while (!connection) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}:\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal dev server did not answer on ${address} within ${opts.startTimeoutMs ?? 60_000} ms:\n${tail.join('\n')}`);
    }
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      connection = c;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    // A persisted database may predate our search attributes; the start-dev flags apply only to new namespaces.
    await ensureSearchAttributes(connection, namespace);
  } finally {
    await connection.close();
  }

  return {
    address,
    namespace,
    uiUrl: typeof opts.uiPort === 'number' ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
