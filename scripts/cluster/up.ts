// Brings the whole topology up, in dependency order, recording each process in pids.json as soon as it runs so
// that a failure half-way (or `--stop` later) stops exactly what was started.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clusterEnv, startSim, startUi, startWorker } from './apps';
import { ensureServerTools, ensureUiServer, schemaDir } from './build';
import { promoteWorkers, withBuildId } from './deployment';
import { down } from './down';
import { type ClusterOptions, serverPorts } from './options';
import { clusterDirs } from './paths';
import { findPostgres, initIfMissing, startPostgres } from './postgres';
import { alive, type ClusterState, type ProcessRecord, readState, writeState } from './processes';
import { setupSchemas } from './schema';
import { initNamespace, NAMESPACE, spawnTemporalServer, waitForFrontend } from './temporal';
import { readPins } from './versions';

export interface UpResult {
  state: ClusterState;
  alreadyRunning: boolean;
  /** Seconds per step, for the summary (and the README's set-up figures). */
  timings: Record<string, number>;
  /** Why the Web UI is not running, when it was wanted. */
  uiSkipped?: string;
  /** The workers' Worker Deployment Version and whether it is current (docs/upgrades.md). */
  version?: string;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function checkPorts(ports: Record<string, number>): Promise<void> {
  const taken: string[] = [];
  for (const [what, port] of Object.entries(ports)) if (!(await portFree(port))) taken.push(`${port} (${what})`);
  if (taken.length) throw new Error(`ports in use: ${taken.join(', ')}; choose others (npm run cluster -- --help)`);
}

type Step = <T>(name: string, f: () => Promise<T>) => Promise<T>;

/** The binaries at the pinned versions, the schema folder, and the ports free; returns why the UI is left out, if so. */
async function prepare(o: ClusterOptions, step: Step, log: (s: string) => void) {
  const pins = readPins();
  const built = await step('build', () => ensureServerTools(pins, log));
  if (built.built.length) log(`built ${built.built.join(', ')} in ${Math.round(built.ms / 1000)} s`);
  let uiSkipped: string | undefined = o.ui ? undefined : '--no-ui';
  if (o.ui) {
    await step('build UI', () => ensureUiServer(pins, log)).catch((err: Error) => {
      uiSkipped = `the Web UI server did not build: ${err.message.split('\n')[0]}`;
      log(`warning: ${uiSkipped}; going on without it`);
    });
  }
  const schemas = await schemaDir(pins);
  await checkPorts({
    PostgreSQL: o.pgPort,
    ...Object.fromEntries(Object.entries(serverPorts(o.temporalPort)).map(([k, v]) => [`Temporal ${k}`, v])),
    simulator: o.simPort,
    ...(uiSkipped ? {} : { 'Web UI': o.uiPort }),
  });
  return { pins, schemas, uiSkipped };
}

interface StartContext {
  o: ClusterOptions;
  state: ClusterState;
  schemas: string;
  withUi: boolean;
  step: Step;
  /** Called for each process as soon as it runs. */
  record: (p: ProcessRecord) => void;
  log: (s: string) => void;
}

/** Starts every process in dependency order. */
async function startAll({ o, state, schemas, withUi, step, record, log }: StartContext) {
  const dirs = clusterDirs(o.dataDir);
  const pg = await findPostgres(log);
  await step('PostgreSQL', async () => {
    await initIfMissing(pg, dirs.pgData, log);
    const pgLog = join(dirs.logs, 'postgres.log');
    const pid = await startPostgres(pg, dirs.pgData, o.pgPort, pgLog);
    record({ name: 'postgres', kind: 'postgres', pid, match: 'postgres', log: pgLog });
  });
  await step('schemas', () => setupSchemas(o.pgPort, schemas));
  const server = spawnTemporalServer(o.temporalPort, o.pgPort, dirs.logs);
  record(server);
  // The simulator starts while the server does.
  const sim = startSim(o, dirs.logs, record);
  sim.catch(() => undefined); // awaited below; a failure before that is handled there
  await step('server', () => waitForFrontend(server, state.temporalAddress));
  await step('namespace', () => initNamespace(state.temporalAddress));
  await sim;
  await step('workers', () =>
    Promise.all(Array.from({ length: o.workers }, (_, i) => startWorker(o, state.env, i + 1, dirs.logs, record))),
  );
  const version = o.workers > 0 ? await step('version', () => promoteWorkers(o, state.temporalAddress, log)) : undefined;
  if (withUi) state.uiUrl = (await step('UI', () => startUi(o, state.temporalAddress, dirs.uiRoot, dirs.logs, record))).url;
  return { version };
}

export async function up(options: ClusterOptions, log: (s: string) => void = console.log): Promise<UpResult> {
  const dirs = clusterDirs(options.dataDir);
  const previous = readState(dirs.pidsFile);
  if (previous) {
    const live = previous.processes.filter(alive);
    // Workers come and go (a crashed one is replaced by another); the rest must all be up.
    const core = previous.processes.filter((p) => p.kind !== 'worker');
    if (core.length && core.every(alive)) return { state: previous, alreadyRunning: true, timings: {} };
    if (live.length)
      throw new Error(`the cluster in ${dirs.state} is partly running (${live.map((p) => p.name).join(', ')}): run with --stop first`);
  }
  mkdirSync(dirs.logs, { recursive: true });
  const o = await withBuildId(options);
  const timings: Record<string, number> = {};
  const step: Step = async (name, f) => {
    const t = Date.now();
    const v = await f();
    timings[name] = (Date.now() - t) / 1000;
    return v;
  };
  const { pins, schemas, uiSkipped } = await prepare(o, step, log);
  const temporalAddress = `127.0.0.1:${o.temporalPort}`;
  const simUrl = `http://127.0.0.1:${o.simPort}`;
  const state: ClusterState = {
    startedAt: new Date().toISOString(),
    pins,
    options: o,
    temporalAddress,
    namespace: NAMESPACE,
    simUrl,
    env: clusterEnv(o, temporalAddress, simUrl),
    processes: [],
  };
  const record = (p: ProcessRecord) => {
    state.processes.push(p);
    writeState(dirs.pidsFile, state);
  };
  let version: string | undefined;
  try {
    ({ version } = await startAll({ o, state, schemas, withUi: !uiSkipped, step, record, log }));
    writeState(dirs.pidsFile, state);
  } catch (err) {
    log('start failed; stopping what was started');
    await down(o.dataDir, () => undefined).catch(() => undefined);
    throw err;
  }
  return { state, alreadyRunning: false, timings, uiSkipped, version };
}
