// Fast settings for the tests, the benchmarks that exercise faults and the history recorder: simulator timings
// short enough to run many exports in seconds yet long enough that polls see each transitional state, and a poll
// policy to match — it reaches the patient stage of a wait (activities/poll.ts) after about 2.5 s.
import type { PollPolicy } from '../activities/poll';
import type { ConfigPatch } from '../sim/types';

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

export const FAST_POLL: PollPolicy = { initialMs: 100, maxMs: 1000, fraction: 0.2, promptMs: 500 };
