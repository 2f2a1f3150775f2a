// ECS batch jobs (cloud-api.md §4.3/§4.4): one sub-job per server; the job is INIT briefly, RUNNING while any
// sub-job runs, then SUCCESS, or FAIL when any sub-job failed (§8.4 leaves partial success open; we say FAIL).
import type { JobRec, SubJobRec, SubJobStatus } from './records';
import type { World } from './world';

export type JobStatus = 'INIT' | 'RUNNING' | SubJobStatus;

export function createJob(w: World, action: JobRec['action'], serverIds: string[]): JobRec {
  const now = w.now();
  const job: JobRec = {
    id: w.rng.hex(32),
    action,
    begin: now,
    initUntil: now + (w.config.timings.jobInitMs ?? 0),
    subJobs: serverIds.map((serverId) => ({
      id: w.rng.hex(32),
      serverId,
      status: 'RUNNING',
      begin: now,
      end: null,
      errorCode: null,
      failReason: null,
    })),
  };
  w.jobs.set(job.id, job);
  w.events.emit('job.created', { jobId: job.id, action, serverIds });
  return job;
}

export function finishSubJob(w: World, job: JobRec, sub: SubJobRec, failure?: { code: string; reason: string }): void {
  if (sub.status !== 'RUNNING') return;
  sub.status = failure ? 'FAIL' : 'SUCCESS';
  sub.end = w.now();
  sub.errorCode = failure?.code ?? null;
  sub.failReason = failure?.reason ?? null;
  if (job.subJobs.every((s) => s.status !== 'RUNNING')) {
    w.events.emit('job.finished', { jobId: job.id, action: job.action, status: jobStatus(w, job, true) });
  }
}

/** `ignoreInit` reports the outcome even while the job still reads INIT. */
export function jobStatus(w: World, job: JobRec, ignoreInit = false): JobStatus {
  if (!ignoreInit && w.now() < job.initUntil) return 'INIT';
  if (job.subJobs.some((s) => s.status === 'RUNNING')) return 'RUNNING';
  return job.subJobs.some((s) => s.status === 'FAIL') ? 'FAIL' : 'SUCCESS';
}

export function jobEnd(job: JobRec): number | null {
  if (job.subJobs.some((s) => s.end === null)) return null;
  return Math.max(...job.subJobs.map((s) => s.end ?? 0));
}

/** The sub-job currently driving this server, if any. */
export function runningSubJob(w: World, serverId: string): { job: JobRec; sub: SubJobRec } | undefined {
  for (const job of w.jobs.values()) {
    const sub = job.subJobs.find((s) => s.serverId === serverId && s.status === 'RUNNING');
    if (sub) return { job, sub };
  }
  return undefined;
}
