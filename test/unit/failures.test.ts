// How an activity's error becomes a Temporal failure (src/activities/failures.ts): what is retried and what is not.
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toFailure } from '../../src/activities/failures';
import { FailureType } from '../../src/workflows/api';

/** What the gRPC client throws: an Error with a status code, details and metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

const asFailure = (err: unknown) => toFailure(err, 'hold servers s-1') as ApplicationFailure;

describe('toFailure: the Temporal client errors of the holds', () => {
  it('retries what the Temporal service says may pass: Unavailable (a deduplicated update-with-start), a rate limit, a timeout', () => {
    for (const err of [
      grpcError(14, 'Workflow was not started: StartDeduped'),
      new ServiceError('Update-With-Start failed', { cause: grpcError(8, 'namespace rate limit exceeded') }),
      grpcError(4, 'deadline exceeded'),
      new WorkflowUpdateRPCTimeoutOrCancelledError('Workflow update call timeout or cancelled'),
    ]) {
      const f = asFailure(err);
      expect(f).toBeInstanceOf(ApplicationFailure);
      expect([f.type, f.nonRetryable]).toEqual([FailureType.TemporalUnavailable, false]);
      expect(f.message).toContain('hold servers s-1: ');
    }
  });

  it('does not retry what will not pass, nor an error nobody expected', () => {
    expect(asFailure(grpcError(7, 'permission denied')).nonRetryable).toBe(true);
    expect(asFailure(grpcError(3, 'invalid argument')).nonRetryable).toBe(true);
    const f = asFailure(new TypeError('x is undefined'));
    expect([f.type, f.nonRetryable]).toEqual([FailureType.Unexpected, true]);
  });
});
