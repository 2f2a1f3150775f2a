// The cluster's processes outlive `npm run cluster`: each runs detached in its own process group with its output
// in `<state>/logs/<name>.log`, and pids.json records what was started so `--stop` (or a test) can find it.
// A recorded pid counts as ours only while its command line still shows what was started (pids get reused).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterOptions } from './options';
import type { Pins } from './versions';
import { sleep } from './exec';

export type ProcessKind = 'postgres' | 'temporal' | 'worker' | 'sim' | 'ui';

export interface ProcessRecord {
  name: string;
  kind: ProcessKind;
  pid: number;
  /** A part of the command line that identifies the process (a binary or script path). */
  match: string;
  log: string;
}

export interface ClusterState {
  startedAt: string;
  pins: Pins;
  options: ClusterOptions;
  temporalAddress: string;
  namespace: string;
  simUrl: string;
  uiUrl?: string;
  /** What the CLI needs: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE and the simulator's OS_*. */
  env: Record<string, string>;
  processes: ProcessRecord[];
}

export function readState(pidsFile: string): ClusterState | undefined {
  if (!existsSync(pidsFile)) return undefined;
  return JSON.parse(readFileSync(pidsFile, 'utf8')) as ClusterState;
}

export function writeState(pidsFile: string, state: ClusterState): void {
  const tmp = `${pidsFile}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, pidsFile);
}

/** Running, not a zombie, and still the process that was recorded. */
export function alive(p: Pick<ProcessRecord, 'pid' | 'match'>): boolean {
  try {
    process.kill(p.pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) return true;
  try {
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(p.match);
  } catch {
    return false;
  }
}

export interface DaemonSpec {
  name: string;
  kind: ProcessKind;
  cmd: string;
  args: string[];
  match: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
}

export function spawnDaemon(s: DaemonSpec): ProcessRecord {
  mkdirSync(s.logDir, { recursive: true });
  const log = join(s.logDir, `${s.name}.log`);
  const fd = openSync(log, 'a');
  writeFileSync(fd, `\n--- ${new Date().toISOString()} ${s.name}: ${[s.cmd, ...s.args].join(' ')}\n`);
  const child = spawn(s.cmd, s.args, { cwd: s.cwd, env: s.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`${s.name}: could not start ${s.cmd}`);
  return { name: s.name, kind: s.kind, pid: child.pid, match: s.match, log };
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopProcess(p: ProcessRecord, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const send = (sig: NodeJS.Signals) => {
    if (!alive(p)) return;
    try {
      process.kill(-p.pid, sig);
    } catch {
      try {
        process.kill(p.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  send(signal);
  const deadline = Date.now() + graceMs;
  while (alive(p) && Date.now() < deadline) await sleep(100);
  if (!alive(p)) return;
  send('SIGKILL');
  while (alive(p)) await sleep(100);
}

export function logSize(log: string): number {
  return existsSync(log) ? statSync(log).size : 0;
}

export function logTail(log: string, lines = 30): string {
  if (!existsSync(log)) return '(no log)';
  return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Waits until the log, past `offset`, has a line containing `text`; fails if the process dies first. */
export async function waitForLogLine(p: ProcessRecord, offset: number, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(p.log) && readFileSync(p.log).subarray(offset).toString().includes(text)) return;
    if (!alive(p)) throw new Error(`${p.name} exited before it was ready; ${p.log}:\n${logTail(p.log)}`);
    if (Date.now() > deadline) throw new Error(`${p.name} not ready after ${Math.round(timeoutMs / 1000)} s; ${p.log}:\n${logTail(p.log)}`);
    await sleep(250);
  }
}
