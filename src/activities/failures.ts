// The one place where cloud errors become Temporal failures. Workflows and tests branch on `type`
// (FailureType in api.ts), never on message text. CloudError messages carry no secrets (src/cloud/errors.ts).
import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { classify } from '../cloud/errors';
import { FailureType } from '../workflows/api';

/**
 * Wraps any error from a step while doing `what` (e.g. "stop servers a, b"). Retried exactly when `classify`
 * says the error may pass: throttling and transient failures. Everything else fails at once, typed by its cause.
 */
export function toFailure(err: unknown, what: string): Error {
  if (err instanceof ApplicationFailure) return err;
  const c = classify(err);
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (c.kind === 'aborted') return err instanceof Error ? err : new Error(message); // the SDK reports a cancellation as such
  if (c.retryable)
    return ApplicationFailure.create({ type: FailureType.CloudUnavailable, message, nonRetryable: false, nextRetryDelay: c.retryAfterMs });
  // A setting that cannot work, or something nobody expected (a bug, an answer we cannot read): retrying will not help.
  if (c.kind === 'config') return ApplicationFailure.create({ type: FailureType.WorkerMisconfigured, message, nonRetryable: true });
  if (c.kind === 'quota') return ApplicationFailure.create({ type: FailureType.QuotaExceeded, message, nonRetryable: true });
  if (c.kind === 'unknown') {
    if (temporalTransient(err)) return ApplicationFailure.create({ type: FailureType.TemporalUnavailable, message, nonRetryable: false });
    return ApplicationFailure.create({ type: FailureType.Unexpected, message, nonRetryable: true });
  }
  // The cloud refused and will refuse again. Its own words go to the operator.
  return ApplicationFailure.create({ type: FailureType.CloudRejected, message, nonRetryable: true });
}

export function notExportable(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.NotExportable, message, nonRetryable: true, details: details ? [details] : [] });
}

// gRPC status codes that say "not now": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (the namespace's rate limit),
// ABORTED, UNAVAILABLE (also a start of update-with-start deduplicated in a race with another: the server asks
// the client to try again).
const TRANSIENT_GRPC = new Set([4, 8, 10, 14]);

/** An error of the Temporal client (the holds' requests) that may pass on retry. */
export function temporalTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(e)) return TRANSIENT_GRPC.has(e.code);
  }
  return false;
}
