import { describe, expect, it } from 'vitest';
import { defaultDeadlines, resolveDeadlines } from '../../src/workflows/deadlines';
import { estimateDowntime, formatDuration } from '../../src/workflows/estimates';

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
    expect(resolveDeadlines(40, 'SOFT', { uploadMs: 5000 })).toMatchObject({ stopMs: 600_000, uploadMs: 5000, startMs: 600_000 });
  });
  it('give the snapshot the same time whatever the size, and the copy time by size', () => {
    expect(defaultDeadlines(10).snapshotMs).toBe(defaultDeadlines(1000).snapshotMs);
    expect(defaultDeadlines(1000).copyMs).toBeGreaterThan(defaultDeadlines(10).copyMs);
  });
});

describe('downtime estimates', () => {
  it('grow with the disk for direct and stay flat for snapshot', () => {
    const small = estimateDowntime(10);
    const large = estimateDowntime(1000);
    expect(large.directMs).toBeGreaterThan(small.directMs * 10);
    expect(large.snapshotMs).toBe(small.snapshotMs);
    expect(large.snapshotMs).toBe(large.basis.stopMs + large.basis.snapshotMs + large.basis.startMs);
  });
  it('read as a person would say them', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
  });
});
