// `npm run cluster -- --stop`: stops what pids.json records, clients before servers — the UI and workers (given
// the worker's 20 s shutdown grace for running activities), the simulator, the Temporal server, PostgreSQL.
import { rmSync } from 'node:fs';
import { clusterDirs } from './paths';
import { findPostgres, stopPostgres } from './postgres';
import { alive, type ProcessKind, type ProcessRecord, readState, stopProcess } from './processes';

const ORDER: { kinds: ProcessKind[]; graceMs: number }[] = [
  { kinds: ['ui', 'worker'], graceMs: 30_000 },
  { kinds: ['sim'], graceMs: 10_000 },
  { kinds: ['temporal'], graceMs: 30_000 },
];

async function stopPg(p: ProcessRecord, pgData: string): Promise<void> {
  try {
    await stopPostgres(await findPostgres(() => undefined), pgData);
  } catch {
    // pg_ctl missing or failing: SIGINT is PostgreSQL's fast shutdown.
    await stopProcess(p, 30_000, 'SIGINT');
  }
}

/** Returns the names of the processes that were still running and are now stopped. */
export async function down(dataDir: string, log: (s: string) => void = console.log): Promise<string[]> {
  const dirs = clusterDirs(dataDir);
  const state = readState(dirs.pidsFile);
  if (!state) return [];
  const stopped: string[] = [];
  for (const { kinds, graceMs } of ORDER) {
    const live = state.processes.filter((p) => kinds.includes(p.kind) && alive(p));
    await Promise.all(
      live.map(async (p) => {
        log(`stopping ${p.name} (pid ${p.pid})`);
        await stopProcess(p, graceMs);
        stopped.push(p.name);
      }),
    );
  }
  for (const p of state.processes.filter((x) => x.kind === 'postgres' && alive(x))) {
    log(`stopping ${p.name} (pid ${p.pid})`);
    await stopPg(p, dirs.pgData);
    stopped.push(p.name);
  }
  rmSync(dirs.pidsFile, { force: true });
  return stopped;
}
