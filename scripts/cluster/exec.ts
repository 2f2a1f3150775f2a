// Running the cluster's tools: a command to completion (its output kept for the error message), and retries
// with a deadline for steps that wait on a service still starting.
import { execFile } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
    cause: string,
  ) {
    super(`${command}: ${cause}\n${output.trim().split('\n').slice(-25).join('\n')}`);
  }
}

/** Runs `cmd args` and resolves with its stdout; rejects with a CommandError carrying the output's tail. */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<string> {
  const shown = [cmd.split('/').pop(), ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: o.cwd, env: o.env ?? process.env, uid: o.uid, gid: o.gid, timeout: o.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new CommandError(shown, `${stdout}${stderr}`, err.message.split('\n')[0]));
        else resolve(stdout);
      },
    );
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls `attempt` until it resolves, every `intervalMs`, for at most `timeoutMs`; then throws the last error. */
export async function retry<T>(what: string, attempt: () => Promise<T>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`${what}: still failing after ${Math.round(timeoutMs / 1000)} s: ${(err as Error).message}`);
    }
    await sleep(intervalMs);
  }
}
