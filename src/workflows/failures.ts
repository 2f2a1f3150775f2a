// Reading failures and adding up API calls, shared by the workflows. Pure and deterministic.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/common';
import { FailureType, type JobFailure, NON_RETRYABLE_TYPES } from './api';

export type CallCounts = Record<string, number>;

export function addCounts(into: CallCounts, more: CallCounts): void {
  for (const [op, n] of Object.entries(more)) into[op] = (into[op] ?? 0) + n;
}

/** The failure that says what went wrong: through the activity and child-workflow wrappers. */
export function innermost(err: unknown): unknown {
  let e: unknown = err;
  while ((e instanceof ActivityFailure || e instanceof ChildWorkflowFailure) && e.cause) e = e.cause;
  return e;
}

export function messageOf(err: unknown): string {
  const e = innermost(err);
  return e instanceof Error ? e.message : String(e);
}

/** The failure's `type` (FailureType); a timeout is a missed deadline (P6). */
export function typeOf(err: unknown): string | undefined {
  const e = innermost(err);
  if (e instanceof TimeoutFailure) return FailureType.DeadlineExceeded;
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}

/** The failed jobs a JobFailed failure carries in its details (see activities/servers.ts). */
export function jobFailuresIn(err: unknown): JobFailure[] {
  const e = innermost(err);
  if (!(e instanceof ApplicationFailure) || e.type !== FailureType.JobFailed) return [];
  return (e.details?.[0] as { jobFailures?: JobFailure[] } | undefined)?.jobFailures ?? [];
}

/** Activity retries of every workflow: backoff to 30 s; refusals (non-retryable types) fail at once. */
export const RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
} as const;

// Every activity heartbeats (src/activities/heartbeat.ts): a dead worker is noticed within this time.
export const HEARTBEAT_TIMEOUT = '10 seconds';
