// Stopping and starting servers idempotently (P2): every attempt re-reads the servers and acts only on those
// that still need it; a server already `powering-off`/`powering-on` is waited for, not acted on again; the job
// of an earlier attempt is found in the heartbeat details and followed instead of submitting another.
import { ApplicationFailure } from '@temporalio/common';
import type { CloudApi, Job, Server } from '../cloud/types';
import { FailureType, type JobFailure } from '../workflows/api';
import { toFailure } from './failures';
import { type PollPolicy, pollUntil } from './poll';

export type Target = 'SHUTOFF' | 'ACTIVE';

// cloud-api.md §4.2: a stop shows ACTIVE + powering-off, a start SHUTOFF + powering-on, until done.
const TOWARDS: Record<Target, string> = { SHUTOFF: 'powering-off', ACTIVE: 'powering-on' };
const FROM: Record<Target, Target> = { SHUTOFF: 'ACTIVE', ACTIVE: 'SHUTOFF' };

export interface ServerTimes {
  /** When this run asked the cloud to act on the server (absent if it was already moving or done). */
  requestedAt?: string;
  /** When the server was first seen in the target state with no task. */
  reachedAt: string;
}


export interface Converged {
  servers: Record<string, ServerTimes>;
  jobFailures: JobFailure[];
}

const MAX_JOB_FAILURES = 3;

interface ConvergeState {
  jobId?: string;
  requestedAt: Record<string, string>;
  reachedAt: Record<string, string>;
  jobFailures: JobFailure[];
}

function describeFailure(job: Job): JobFailure {
  const failed = job.subJobs.filter((s) => s.status === 'FAIL');
  const first = failed[0] ?? job;
  return {
    jobId: job.jobId,
    errorCode: job.errorCode ?? first.errorCode,
    failReason: job.failReason ?? first.failReason,
    serverIds: failed.map((s) => s.serverId).filter((id): id is string => !!id),
    at: new Date().toISOString(),
  };
}

function failureText(f: JobFailure): string {
  return `job ${f.jobId} FAIL: ${f.errorCode ?? 'no error_code'} ${f.failReason ?? ''}`.trim();
}

/** Drives `serverIds` to `target` through batch jobs and waits until each is there with `task_state` null. */
export async function converge(
  cloud: CloudApi,
  policy: PollPolicy,
  serverIds: string[],
  target: Target,
  submit: (ids: string[]) => Promise<string>,
  what: string,
  /** Checked before acting; `false` waits (e.g. a disk of the server is still uploading). */
  mayAct: (ids: string[]) => Promise<boolean> = async () => true,
): Promise<Converged> {
  const initial: ConvergeState = { requestedAt: {}, reachedAt: {}, jobFailures: [] };
  return pollUntil<Converged, ConvergeState>(policy, initial, async (st) => {
    try {
      if (st.jobId) {
        const job = await cloud.ecs.getJob(st.jobId);
        if (job.status === 'INIT' || job.status === 'RUNNING') return { state: st };
        if (job.status === 'FAIL') {
          const jobFailures = [...st.jobFailures, describeFailure(job)];
          if (jobFailures.length >= MAX_JOB_FAILURES) {
            throw ApplicationFailure.create({
              type: FailureType.JobFailed,
              message: `${what}: ${jobFailures.length} jobs failed; last ${failureText(jobFailures[jobFailures.length - 1])}`,
              nonRetryable: true,
              details: [{ jobFailures }],
            });
          }
          st = { ...st, jobFailures };
        }
        // Re-reading the servers decides what is left to do.
        st = { ...st, jobId: undefined };
      }
      const pending = serverIds.filter((id) => !st.reachedAt[id]);
      const servers: Server[] = await Promise.all(pending.map((id) => cloud.ecs.getServer(id)));
      const now = new Date().toISOString();
      const reachedAt = { ...st.reachedAt };
      const needAction: string[] = [];
      for (const s of servers) {
        if (s.status === target && s.taskState === null) reachedAt[s.id] = now;
        else if (s.taskState === TOWARDS[target]) continue;
        else if (s.status === FROM[target] && s.taskState === null) needAction.push(s.id);
        else if (s.status === 'ERROR') {
          throw ApplicationFailure.create({
            type: FailureType.JobFailed,
            message: `${what}: server ${s.name} (${s.id}) is in status ERROR${s.fault ? `: ${s.fault.message}` : ''}`,
            nonRetryable: false,
          });
        }
        // Anything else (someone else's task) is waited out; the step's deadline bounds it.
      }
      if (serverIds.every((id) => reachedAt[id])) {
        return {
          done: {
            servers: Object.fromEntries(serverIds.map((id) => [id, { requestedAt: st.requestedAt[id], reachedAt: reachedAt[id] }])),
            jobFailures: st.jobFailures,
          },
        };
      }
      if (needAction.length > 0) {
        if (!(await mayAct(needAction))) return { state: { ...st, reachedAt } };
        const jobId = await submit(needAction);
        const requestedAt = { ...st.requestedAt };
        for (const id of needAction) requestedAt[id] ??= now;
        return { state: { ...st, jobId, requestedAt, reachedAt } };
      }
      return { state: { ...st, reachedAt } };
    } catch (err) {
      throw toFailure(err, what);
    }
  });
}
