import { ApplicationFailure, ActivityFailure, RetryState } from '@temporalio/common';
import type { LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { expectedFailureLine } from '../../src/dev/terse-logger';

const entry = (message: string, error: unknown, meta: Record<string, unknown> = {}): LogEntry => ({
  level: 'WARN',
  message,
  meta: { ...meta, error },
  timestampNanos: 1_700_000_000_000_000_000n,
});

describe('the embedded stack logs an expected failure as one line', () => {
  it('an activity failure of a documented type: the run, the step, the type and the words', () => {
    const err = ApplicationFailure.create({ type: 'InvalidInput', message: 'volumeId: no disk "x" in this project', nonRetryable: true });
    const line = expectedFailureLine(entry('Activity failed', err, { workflowId: 'export-x', activityType: 'planExport' }));
    expect(line).toBe(
      '2023-11-14T22:13:20.000Z [WARN] Activity failed: export-x activity planExport — InvalidInput: volumeId: no disk "x" in this project',
    );
    expect(line).not.toContain('\n');
  });

  it("a workflow failure through its wrappers: the first words that are not a wrapper's", () => {
    const inner = new Error('imageName: already the name of image 1');
    const wrapped = new ActivityFailure('Activity task failed', 'planExport', '1', RetryState.NON_RETRYABLE_FAILURE, undefined, inner);
    expect(expectedFailureLine(entry('Workflow failed', wrapped, { workflowId: 'export-y' }))).toMatch(
      /Workflow failed: export-y — imageName: already the name of image 1$/,
    );
  });

  it('a bug (Unexpected, or no type) is left to the full log with its stack', () => {
    expect(expectedFailureLine(entry('Activity failed', new TypeError('x is undefined')))).toBeUndefined();
    expect(
      expectedFailureLine(entry('Activity failed', ApplicationFailure.create({ type: 'Unexpected', message: 'boom' }))),
    ).toBeUndefined();
  });
});
