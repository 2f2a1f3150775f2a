// What every command shares: a Temporal client for the length of one command, output, failure text and the
// error that carries an exit code (0 success, 1 the run failed or the call was refused, 2 bad input).
import {
  ActivityFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  Client,
  type ClientInterceptors,
  type Connection,
  TerminatedFailure,
  WorkflowFailedError,
} from '@temporalio/client';
import { InvalidArgumentError } from 'commander';
import { loadTemporalSettings, type TemporalSettings } from '../config';
import { traceExporterFromEnv } from '../telemetry/trace-config';
import type { Tracing } from '../telemetry/tracing';
import { connectTemporal } from './connect';

export { ExitError } from './exit-error';

/** Option parser: a positive whole number of milliseconds. */
export function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected milliseconds, got ${JSON.stringify(value)}`);
  return n;
}

let tracing: Tracing | undefined;

/** The client interceptors of this process's tracing (OTEL_TRACES_EXPORTER): a started export's trace begins here. */
function tracingInterceptors(): ClientInterceptors {
  const exporter = traceExporterFromEnv();
  if (exporter === 'none') return {};
  // Loaded only when on: OpenTelemetry adds a quarter of a second to every command. A plain require, because
  // the CLI runs from source (tsx) and built (lib/) alike, and a dynamic import() would need the file's extension.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('../telemetry/tracing') as typeof import('../telemetry/tracing');
  return (tracing ??= startTracing({ exporter, serviceName: 'evs-export-cli' })).client;
}

/** Sends the CLI's spans before it exits. */
export async function flushTracing(): Promise<void> {
  await tracing?.shutdown();
}

/** Connects with the TEMPORAL_* settings, runs `fn`, and closes the connection whatever happens. */
export async function withClient<T>(fn: (client: Client, t: TemporalSettings, connection: Connection) => Promise<T>): Promise<T> {
  const t = loadTemporalSettings();
  const interceptors = tracingInterceptors();
  const connection = await connectTemporal(t);
  try {
    return await fn(new Client({ connection, namespace: t.namespace, interceptors }), t, connection);
  } finally {
    await connection.close();
  }
}

export function out(json: boolean, data: unknown, human: string): void {
  console.log(json ? JSON.stringify(data, null, 2) : human);
}

type Failure = Error & { type?: string | null; cause?: unknown };

/**
 * The failure that says what went wrong: through the activity and child-workflow wrappers ("Activity task
 * failed") and any failure without a type, to the ApplicationFailure with the type and the cloud's own words.
 */
export function innermostFailure(err: unknown): Failure | undefined {
  let e = err instanceof WorkflowFailedError ? err.cause : err;
  while (e instanceof Error && (e instanceof ActivityFailure || e instanceof ChildWorkflowFailure || !(e as Failure).type)) {
    const cause = (e as Failure).cause;
    if (!(cause instanceof Error)) break;
    e = cause;
  }
  return e instanceof Error ? e : undefined;
}

/** A run that ended because it was cancelled (abort, UI, a parent's cancellation). */
export function isCancelled(err: unknown): boolean {
  return err instanceof WorkflowFailedError && innermostFailure(err) instanceof CancelledFailure;
}

/** One line for a failed run (with its failure type) or any other error. */
export function failureText(err: unknown): string {
  if (!(err instanceof WorkflowFailedError)) return err instanceof Error ? err.message : String(err);
  const cause = innermostFailure(err);
  if (cause instanceof CancelledFailure) return 'export cancelled';
  if (cause instanceof TerminatedFailure) return `export terminated${cause.message ? `: ${cause.message}` : ''}`;
  return `export failed${cause?.type ? ` (${cause.type})` : ''}: ${cause?.message ?? err.message}`;
}

/** Drops the undefined fields (unset options), as the workflow input should not carry them. */
export function defined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
