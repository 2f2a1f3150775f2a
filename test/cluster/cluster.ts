// What the cluster tests share: the cluster's state (pids.json), a Temporal client and the simulator's admin API,
// and the operator's moves — kill a worker, add one, restart the Temporal server — done to the real processes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startWorker } from '../../scripts/cluster/apps';
import { clusterDirs, ROOT } from '../../scripts/cluster/paths';
import { alive, type ClusterState, type ProcessRecord, readState, stopProcess, writeState } from '../../scripts/cluster/processes';
import { spawnTemporalServer, waitForFrontend } from '../../scripts/cluster/temporal';
import { SimAdmin } from './sim-admin';

export interface TestCluster {
  pidsFile: string;
  state(): ClusterState;
  client: Client;
  sim: SimAdmin;
  taskQueue: string;
  close(): Promise<void>;
}

export async function openCluster(pidsFile: string): Promise<TestCluster> {
  const state = () => {
    const s = readState(pidsFile);
    if (!s) throw new Error(`no cluster state in ${pidsFile}`);
    return s;
  };
  const s = state();
  const connection = await Connection.connect({ address: s.temporalAddress });
  return {
    pidsFile,
    state,
    client: new Client({ connection, namespace: s.namespace }),
    sim: new SimAdmin(s.simUrl),
    taskQueue: s.options.taskQueue,
    close: () => connection.close(),
  };
}

export function liveWorkers(c: TestCluster): ProcessRecord[] {
  return c.state().processes.filter((p) => p.kind === 'worker' && alive(p));
}

/** SIGKILL, as a crash would; the record stays in pids.json (a dead pid is skipped by --stop). */
export async function killProcess(p: ProcessRecord): Promise<void> {
  await stopProcess(p, 0, 'SIGKILL');
}

/** Starts one more worker process and records it, as `npm run cluster` does for its own. */
export async function addWorker(c: TestCluster): Promise<ProcessRecord> {
  const s = c.state();
  const index = s.processes.filter((p) => p.kind === 'worker').length + 1;
  return startWorker(s.options, s.env, index, clusterDirs(s.options.dataDir).logs, (p) => {
    const now = c.state();
    now.processes.push(p);
    writeState(c.pidsFile, now);
  });
}

/** Stops the Temporal server with `signal` and starts it again on the same database and ports. */
export async function restartServer(c: TestCluster, signal: NodeJS.Signals): Promise<void> {
  const s = c.state();
  const old = s.processes.find((p) => p.kind === 'temporal' && alive(p));
  if (!old) throw new Error('the Temporal server is not running');
  await stopProcess(old, 30_000, signal);
  const next = spawnTemporalServer(s.options.temporalPort, s.options.pgPort, clusterDirs(s.options.dataDir).logs);
  s.processes = s.processes.map((p) => (p === old ? next : p));
  writeState(c.pidsFile, s);
  await waitForFrontend(next, s.temporalAddress);
}

/** The worker process behind a Temporal worker identity (the SDK's default identity is `<pid>@<host>`). */
export function workerByIdentity(c: TestCluster, identity: string | null | undefined): ProcessRecord | undefined {
  const pid = Number(identity?.split('@')[0]);
  return liveWorkers(c).find((p) => p.pid === pid);
}

/** Polls `check` until it returns a truthy value. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The `evs-export` CLI with the environment the cluster printed. */
export function runCli(c: TestCluster, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...c.state().env };
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'evs-export.js'), ...args], { env, timeout: 300_000 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
