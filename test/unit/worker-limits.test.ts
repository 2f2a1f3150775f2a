import { describe, expect, it } from 'vitest';
import { limitsFromEnv, WorkerConfigError } from '../../src/worker-limits';

describe('worker limits from the environment', () => {
  it('reads whole numbers of at least 1', () => {
    expect(
      limitsFromEnv({
        EVS_EXPORT_ACTIVITY_SLOTS: '4',
        EVS_EXPORT_URGENT_ACTIVITY_SLOTS: '2',
        EVS_EXPORT_WORKFLOW_TASK_SLOTS: '8',
        EVS_EXPORT_MAX_CACHED_WORKFLOWS: '500',
      }),
    ).toEqual({
      activitySlots: 4,
      urgentActivitySlots: 2,
      workflowTaskSlots: 8,
      maxCachedWorkflows: 500,
    });
    expect(limitsFromEnv({})).toEqual({});
  });

  it('refuses anything else, naming the variable and the value', () => {
    for (const bad of ['0', '-1', '2.5', 'many']) {
      expect(() => limitsFromEnv({ EVS_EXPORT_ACTIVITY_SLOTS: bad })).toThrow(
        new WorkerConfigError(`EVS_EXPORT_ACTIVITY_SLOTS: expected a whole number of at least 1, got ${JSON.stringify(bad)}`),
      );
    }
  });
});
