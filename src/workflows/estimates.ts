// What each strategy is expected to cost the servers, for the plan (inspect, progress, the UI): expected
// durations, not deadlines. Defaults from the cloud's documented behaviour; a worker that learns them from what
// it observes is future work. Workflow-safe: no imports but types.
import type { DowntimeEstimate, StopType } from './api';

const SECOND = 1000;

/** Expected durations: a SOFT stop lets the guest shut down (up to 60 s); uploads run at about 50 MB/s. */
export const EXPECTED = {
  stopMs: { SOFT: 60 * SECOND, HARD: 20 * SECOND },
  startMs: 60 * SECOND,
  uploadBaseMs: 60 * SECOND,
  uploadMsPerGb: 20 * SECOND,
  // Copy-on-write: the same for every size.
  snapshotMs: 30 * SECOND,
} as const;

/** A running server's expected downtime: direct = stop + upload + start; snapshot = stop + snapshot + start. */
export function estimateDowntime(sizeGb: number, stopType: StopType = 'SOFT'): DowntimeEstimate {
  const basis = {
    stopMs: EXPECTED.stopMs[stopType],
    startMs: EXPECTED.startMs,
    uploadMs: EXPECTED.uploadBaseMs + Math.max(1, sizeGb) * EXPECTED.uploadMsPerGb,
    snapshotMs: EXPECTED.snapshotMs,
  };
  return {
    directMs: basis.stopMs + basis.uploadMs + basis.startMs,
    snapshotMs: basis.stopMs + basis.snapshotMs + basis.startMs,
    basis,
  };
}

/** "1 h 5 min", "3 min 20 s", "45 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}
