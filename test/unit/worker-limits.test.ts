import { describe, expect, it } from 'vitest';
import { admissionFromEnv, admissionRate, limitsFromEnv, WorkerConfigError } from '../../src/worker-limits';

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

describe('admission before stopping servers (EVS_EXPORT_ADMISSION)', () => {
  it('is auto unless set (it follows the account budget); off turns it off; a number is exports per second', () => {
    expect(admissionFromEnv({})).toBe('auto');
    expect(admissionFromEnv({ EVS_EXPORT_ADMISSION: '' })).toBe('auto');
    expect(admissionFromEnv({ EVS_EXPORT_ADMISSION: 'off' })).toBe('off');
    expect(admissionFromEnv({ EVS_EXPORT_ADMISSION: 'auto' })).toBe('auto');
    expect(admissionFromEnv({ EVS_EXPORT_ADMISSION: '2.5' })).toBe(2.5);
    // 70 % of the budget, at about 28 calls an export.
    expect(admissionRate('auto', 100)).toBeCloseTo(2.5);
    expect(admissionRate('auto', 20)).toBeCloseTo(0.5);
    expect(admissionRate('auto', Infinity)).toBeUndefined();
    expect(admissionRate('off', 100)).toBeUndefined();
    expect(admissionRate(3, 100)).toBe(3);
  });

  it('refuses anything else, naming the variable and the value', () => {
    for (const bad of ['0', '-1', 'fast', 'on']) {
      expect(() => admissionFromEnv({ EVS_EXPORT_ADMISSION: bad })).toThrow(
        new WorkerConfigError(
          `EVS_EXPORT_ADMISSION: expected off, auto or a number of exports per second above 0, got ${JSON.stringify(bad)}`,
        ),
      );
    }
  });
});
