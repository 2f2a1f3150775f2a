// Stopping and starting servers idempotently (P2): every attempt re-reads the servers and acts only on those
// that still need it; a server already `powering-off`/`powering-on` is waited for, not acted on again; the job
// of an earlier attempt is found in the heartbeat details and followed instead of submitting another.
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CloudApi, Job, Server } from '../cloud/types';
import { FailureType } from '../workflows/api';
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

interface ConvergeState {
  jobId?: string;
  jobAttempt?: number;
  requestedAt: Record<string, string>;
  reachedAt: Record<string, string>;
}

function jobFailure(job: Job, what: string): ApplicationFailure {
  const failed = job.subJobs.filter((s) => s.status === 'FAIL');
  const reasons = (failed.length ? failed : [job])
    .map((s) => `${'serverId' in s && s.serverId ? `${s.serverId}: ` : ''}${s.errorCode ?? 'no code'} ${s.failReason ?? ''}`.trim())
    .join('; ');
  return ApplicationFailure.create({
    type: FailureType.JobFailed,
    message: `${what}: job ${job.jobId} FAIL (${reasons})`,
    nonRetryable: false,
    details: [{ jobId: job.jobId, errorCode: job.errorCode, failReason: job.failReason, subJobs: failed }],
  });
}

/** Drives `serverIds` to `target` through batch jobs and waits until each is there with `task_state` null. */
export async function converge(
  cloud: CloudApi,
  policy: PollPolicy,
  serverIds: string[],
  target: Target,
  submit: (ids: string[]) => Promise<string>,
  what: string,
): Promise<Record<string, ServerTimes>> {
  const attempt = activityInfo().attempt;
  const initial: ConvergeState = { requestedAt: {}, reachedAt: {} };
  return pollUntil<Record<string, ServerTimes>, ConvergeState>(policy, initial, async (st) => {
    try {
      if (st.jobId) {
        const job = await cloud.ecs.getJob(st.jobId);
        if (job.status === 'INIT' || job.status === 'RUNNING') return { state: st };
        // A FAIL from an earlier attempt was already reported; re-reading the servers decides what is left.
        if (job.status === 'FAIL' && st.jobAttempt === attempt) throw jobFailure(job, what);
        st = { ...st, jobId: undefined, jobAttempt: undefined };
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
          done: Object.fromEntries(serverIds.map((id) => [id, { requestedAt: st.requestedAt[id], reachedAt: reachedAt[id] }])),
        };
      }
      if (needAction.length > 0) {
        const jobId = await submit(needAction);
        const requestedAt = { ...st.requestedAt };
        for (const id of needAction) requestedAt[id] ??= now;
        return { state: { jobId, jobAttempt: attempt, requestedAt, reachedAt } };
      }
      return { state: { ...st, reachedAt } };
    } catch (err) {
      throw toFailure(err, what);
    }
  });
}
