import { describe, expect, it } from 'vitest';
import { defaultDeadlines, resolveDeadlines } from '../../src/workflows/deadlines';

describe('deadlines', () => {
  it('scale the upload with the disk size', () => {
    expect(defaultDeadlines(40).uploadMs).toBe(50 * 60_000);
    expect(defaultDeadlines(1000).uploadMs).toBe(1010 * 60_000);
    expect(defaultDeadlines(0).uploadMs).toBe(11 * 60_000);
  });
  it('give a HARD stop less time than a SOFT one', () => {
    expect(defaultDeadlines(10, 'HARD').stopMs).toBeLessThan(defaultDeadlines(10, 'SOFT').stopMs);
  });
  it('take overrides field by field', () => {
    expect(resolveDeadlines(40, 'SOFT', { uploadMs: 5000 })).toEqual({ stopMs: 600_000, uploadMs: 5000, startMs: 600_000 });
  });
});
