// Reading failures and adding up API calls, shared by the workflows. Pure and deterministic.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/common';
import { type CallCounts, FailureType, type JobFailure, WAIT_NOT_READY } from './api';

export type { CallCounts };

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

/**
 * The failure's `type` (FailureType). A missed deadline (P6) is a timeout, or a wait whose retries ran out of time:
 * the server ends a retried activity whose next attempt would fall after its deadline with the last failure.
 */
export function typeOf(err: unknown): string | undefined {
  const e = innermost(err);
  if (e instanceof TimeoutFailure) return FailureType.DeadlineExceeded;
  if (e instanceof ApplicationFailure && e.type === WAIT_NOT_READY) return FailureType.DeadlineExceeded;
  // Retries that ran out of time on a failure of their own (CloudUnavailable) keep its type.
  if (e instanceof ApplicationFailure && e.type) return e.type;
  if (err instanceof ActivityFailure && err.retryState === 'TIMEOUT') return FailureType.DeadlineExceeded;
  return undefined;
}

/** The failed jobs a JobFailed failure carries in its details (see activities/servers.ts). */
export function jobFailuresIn(err: unknown): JobFailure[] {
  const e = innermost(err);
  if (!(e instanceof ApplicationFailure) || e.type !== FailureType.JobFailed) return [];
  return (e.details?.[0] as { jobFailures?: JobFailure[] } | undefined)?.jobFailures ?? [];
}
