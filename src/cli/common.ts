// What every command shares: a Temporal client for the length of one command, output, failure text and the
// error that carries an exit code (0 success, 1 the run failed or the call was refused, 2 bad input).
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { InvalidArgumentError } from 'commander';
import { loadTemporalSettings, type TemporalSettings } from '../config';

/** Ends the command with this message on stderr and this exit code. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Option parser: a positive whole number of milliseconds. */
export function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected milliseconds, got ${JSON.stringify(value)}`);
  return n;
}

/** Connects with the TEMPORAL_* settings, runs `fn`, and closes the connection whatever happens. */
export async function withClient<T>(fn: (client: Client, t: TemporalSettings, connection: Connection) => Promise<T>): Promise<T> {
  const t = loadTemporalSettings();
  const connection = await Connection.connect(t.connectionOptions);
  try {
    return await fn(new Client({ connection, namespace: t.namespace }), t, connection);
  } finally {
    await connection.close();
  }
}

export function out(json: boolean, data: unknown, human: string): void {
  console.log(json ? JSON.stringify(data, null, 2) : human);
}

/** One line for a failed run (with its failure type) or any other error. */
export function failureText(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause as (Error & { type?: string }) | undefined;
    return `export failed${cause?.type ? ` (${cause.type})` : ''}: ${cause?.message ?? err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Drops the undefined fields (unset options), as the workflow input should not carry them. */
export function defined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
