// Fast settings for the tests, the benchmarks that exercise faults and the history recorder: simulator timings
// short enough to run many exports in seconds yet long enough that polls see each transitional state, and a poll
// policy to match — it reaches the patient stage of a wait (activities/poll.ts) after about 2.5 s, and expects
// each step to take what these timings make it take (activities/step-times.ts) until it has seen one.
import { DEFAULT_POLL, type PollPolicy } from '../activities/poll';
import type { StepDefaults } from '../activities/step-times';
import type { ConfigPatch, Timings } from '../sim/types';

export const FAST_TIMINGS: ConfigPatch = {
  timings: {
    stopMs: 300,
    hardStopMs: 100,
    startMs: 300,
    uploadBaseMs: 500,
    uploadMsPerGb: 10,
    imageActivateMs: 200,
    killedImageTtlMs: 400,
    jobInitMs: 50,
    snapshotMs: 200,
    volumeCreateBaseMs: 100,
    volumeCreateMsPerGb: 2,
    deleteMs: 100,
  },
};

/** What each step takes with these simulator timings, as the waits' expectations before they have seen one. */
export function stepDefaultsOf(t: Partial<Timings>): Partial<StepDefaults> {
  const ms = (x: number | null | undefined) => (typeof x === 'number' ? x : undefined);
  const d: Partial<StepDefaults> = {
    stopSoftMs: ms(t.stopMs),
    stopHardMs: ms(t.hardStopMs),
    startMs: ms(t.startMs),
    uploadBaseMs: ms(t.uploadBaseMs),
    uploadMsPerGb: ms(t.uploadMsPerGb),
    imageMs: ms(t.imageActivateMs),
    snapshotMs: ms(t.snapshotMs),
    copyBaseMs: ms(t.volumeCreateBaseMs),
    copyMsPerGb: ms(t.volumeCreateMsPerGb),
    deleteMs: ms(t.deleteMs),
  };
  return Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined));
}

export const FAST_POLL: PollPolicy = {
  ...DEFAULT_POLL,
  initialMs: 100,
  maxMs: 1000,
  fraction: 0.2,
  promptMs: 500,
  // Steps of a few hundred milliseconds: no read more than a second apart, whatever a worker has learned. Tests
  // hold steps for seconds on purpose, and the expectations learned from them would otherwise space later reads
  // seconds apart (full test runs timed out on it).
  sparseMaxMs: 1000,
  expected: stepDefaultsOf(FAST_TIMINGS.timings ?? {}),
};
