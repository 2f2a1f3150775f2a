// The one place where cloud errors become Temporal failures. Workflows and tests branch on `type`
// (FailureType in api.ts), never on message text. CloudError messages carry no secrets (src/cloud/errors.ts).
import { ApplicationFailure } from '@temporalio/common';
import { classify } from '../cloud/errors';
import { FailureType } from '../workflows/api';

/** Wraps any error from a cloud call made while doing `what` (e.g. "stop servers a, b"). */
export function toFailure(err: unknown, what: string): Error {
  if (err instanceof ApplicationFailure) return err;
  const c = classify(err);
  const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  switch (c.kind) {
    case 'aborted':
      // Cancellation of the activity: let the SDK report it as such.
      return err instanceof Error ? err : new Error(message);
    case 'throttled':
    case 'transient':
    case 'unknown':
      return ApplicationFailure.create({
        type: FailureType.CloudUnavailable,
        message,
        nonRetryable: false,
        nextRetryDelay: c.retryAfterMs,
      });
    default:
      // A 4xx: the cloud refused and will refuse again. Its own words go to the operator.
      return ApplicationFailure.create({ type: FailureType.CloudRejected, message, nonRetryable: true });
  }
}

export function notExportable(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.NotExportable, message, nonRetryable: true, details: details ? [details] : [] });
}
