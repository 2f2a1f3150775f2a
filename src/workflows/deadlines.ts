// Default deadlines (promise P6), scaled from the disk size. Documented in the README; overridable per run.
import type { Deadlines, StopType } from './api';

const MINUTE = 60_000;

/**
 * - stop:   SOFT 10 min (a guest gets 60 s to shut down cleanly before power-off, plus cloud queueing); HARD 5 min.
 * - upload: 10 min + 1 min per GB (covers the disk upload and the image becoming active).
 * - start:  10 min per server.
 * - snapshot: 30 min (copy-on-write: it does not grow with the disk).
 * - copy:   the temporary disk from the snapshot, 10 min + 1 min per GB.
 */
export function defaultDeadlines(sizeGb: number, stopType: StopType = 'SOFT'): Required<Deadlines> {
  return {
    stopMs: stopType === 'HARD' ? 5 * MINUTE : 10 * MINUTE,
    uploadMs: 10 * MINUTE + Math.max(1, sizeGb) * MINUTE,
    startMs: 10 * MINUTE,
    snapshotMs: 30 * MINUTE,
    copyMs: 10 * MINUTE + Math.max(1, sizeGb) * MINUTE,
  };
}

export function resolveDeadlines(sizeGb: number, stopType: StopType | undefined, overrides?: Deadlines): Required<Deadlines> {
  return { ...defaultDeadlines(sizeGb, stopType), ...overrides };
}
