// An activity's Temporal priority key decides the lane of its reads in the API budget.
import { describe, expect, it } from 'vitest';
import { laneOf } from '../../src/activities/scope';
import { BACKGROUND_PRIORITY, DOWNTIME_PRIORITY } from '../../src/workflows/activity-options';

describe('laneOf', () => {
  it('sends what a stopped server waits for to the urgent lane, what nothing waits for to the background, else normal', () => {
    expect(laneOf(DOWNTIME_PRIORITY)).toBe('urgent');
    expect(laneOf({ priorityKey: 2 })).toBe('urgent');
    expect(laneOf(BACKGROUND_PRIORITY)).toBe('background');
    expect(laneOf({ priorityKey: 4 })).toBe('background');
    for (const p of [undefined, {}, { priorityKey: 0 }, { priorityKey: 3 }]) expect(laneOf(p)).toBeUndefined();
  });
});
