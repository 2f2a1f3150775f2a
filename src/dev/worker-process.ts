// A worker in a child process (`src/worker.ts` through tsx), for crash tests and benchmarks that kill it
// with SIGKILL at a chosen moment and start another one.
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { PollPolicy } from '../activities/poll';

const ROOT = resolve(__dirname, '..', '..');

export interface WorkerProcessOptions {
  temporalAddress: string;
  taskQueue: string;
  /** OS_* variables pointing at the cloud (e.g. the simulator's `cloudEnv`). */
  cloudEnv: Record<string, string>;
  poll?: PollPolicy;
  /** How often server holds check their holders still run (EVS_EXPORT_HOLD_LIVENESS_MS). */
  holdLivenessMs?: number;
  namespace?: string;
  env?: Record<string, string>;
  /** Receives the child's output lines. */
  log?: (line: string) => void;
  /** A built worker (`lib/worker.js`) to run with node; default: src/worker.ts through tsx. */
  script?: string;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Every line the worker printed so far. */
  lines: string[];
  /** Resolves once the worker polls its task queue. */
  ready: Promise<void>;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnWorker(o: WorkerProcessOptions): WorkerProcess {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_NAMESPACE: o.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    LOG_LEVEL: 'WARN',
    ...o.cloudEnv,
    ...(o.holdLivenessMs ? { EVS_EXPORT_HOLD_LIVENESS_MS: String(o.holdLivenessMs) } : {}),
    ...(o.poll ? { EVS_EXPORT_POLL: `${o.poll.initialMs},${o.poll.maxMs},${o.poll.fraction},${o.poll.promptMs}` } : {}),
    ...o.env,
  };
  const args = o.script ? [o.script] : ['--import', 'tsx', join(ROOT, 'src', 'worker.ts')];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? -1 : null))));
  const lines: string[] = [];
  const ready = new Promise<void>((resolveReady, reject) => {
    const tail: string[] = [];
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        o.log?.(line);
        lines.push(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        if (line.startsWith('worker polling task queue')) resolveReady();
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready:\n${tail.join('\n')}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    lines,
    ready,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
