// EVS jobs (cloud-api.md §3.5, §3.8): the native disk creation answers with one. It reads INIT for `jobInitMs`,
// RUNNING while the disk is `creating`, then SUCCESS, or FAIL when the disk ends in `error`.
import type { EvsJobRec } from './records';
import type { World } from './world';

export function createEvsJob(w: World, volumeId: string): EvsJobRec {
  const now = w.now();
  const job: EvsJobRec = {
    id: w.rng.hex(32),
    type: 'createVolume',
    volumeId,
    begin: now,
    initUntil: now + (w.config.timings.jobInitMs ?? 0),
    status: 'RUNNING',
    end: null,
    errorCode: null,
    failReason: null,
  };
  w.evsJobs.set(job.id, job);
  return job;
}

/** Ends the job that creates this disk, if there is one. */
export function finishEvsJob(w: World, volumeId: string, failure?: { code: string; reason: string }): void {
  for (const job of w.evsJobs.values()) {
    if (job.volumeId !== volumeId || job.status !== 'RUNNING') continue;
    job.status = failure ? 'FAIL' : 'SUCCESS';
    job.end = w.now();
    job.errorCode = failure?.code ?? null;
    job.failReason = failure?.reason ?? null;
  }
}

export function evsJobStatus(w: World, job: EvsJobRec): 'INIT' | EvsJobRec['status'] {
  return w.now() < job.initUntil ? 'INIT' : job.status;
}
