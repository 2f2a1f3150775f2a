// One server to SHUTOFF or ACTIVE in short steps — ask (`requestPower`), then wait (`awaitPower`) — asking
// again after a failed job, at most MAX_JOB_FAILURES times. Used by the server hold (server-hold-entity.ts).
// Workflow code: deterministic; no activity here waits on anything but its own reads.
import { ApplicationFailure } from '@temporalio/workflow';
import { FailureType, type JobFailure, type PowerTarget, type StopType } from './api';
import { calls, UNTIL_DISK_RELEASED_MS, urgentCalls, waits } from './activity-options';
import { addCounts, type CallCounts } from './failures';

const MAX_JOB_FAILURES = 3;

export interface PowerOutcome {
  /** When this run first asked the cloud to act (absent when it found the server there or moving). */
  requestedAt?: string;
  reachedAt: string;
  jobFailures: JobFailure[];
  apiCalls: CallCounts;
}

export interface PowerRequest {
  serverId: string;
  target: PowerTarget;
  stopType?: StopType;
  deadlineMs: number;
  /** On the urgent task queue (a restart). */
  urgent?: boolean;
  /** Calls made so far, reported even when the step fails. */
  onCalls?: (calls: CallCounts) => void;
}

function failureText(f: JobFailure): string {
  return `job ${f.jobId} FAIL: ${f.errorCode ?? 'no error_code'} ${f.failReason ?? ''}`.trim();
}

export async function drivePower(o: PowerRequest): Promise<PowerOutcome> {
  const ask = o.urgent ? urgentCalls() : calls;
  const giveUpAt = Date.now() + o.deadlineMs;
  const out: PowerOutcome = { reachedAt: '', jobFailures: [], apiCalls: {} };
  const count = (c: CallCounts) => {
    addCounts(out.apiCalls, c);
    o.onCalls?.(c);
  };
  const what = `${o.target === 'SHUTOFF' ? 'stop' : 'start'} server ${o.serverId}`;
  for (;;) {
    const asked = await ask.requestPower({ serverId: o.serverId, target: o.target, stopType: o.stopType });
    count(asked.apiCalls);
    const r = asked.r;
    if (r.outcome === 'there') return { ...out, reachedAt: r.at };
    if (r.outcome === 'blocked') {
      count((await waits(UNTIL_DISK_RELEASED_MS, o.urgent).awaitStartable({ serverId: o.serverId })).apiCalls);
      continue;
    }
    if (r.outcome === 'requested') out.requestedAt ??= r.requestedAt;
    const settled = await waits(giveUpAt - Date.now(), o.urgent).awaitPower({ serverId: o.serverId, target: o.target, jobId: r.outcome === 'requested' ? r.jobId : undefined });
    count(settled.apiCalls);
    if (settled.r.outcome === 'reached') return { ...out, reachedAt: settled.r.at };
    if (settled.r.outcome === 'job-failed') {
      out.jobFailures.push(settled.r.failure);
      if (out.jobFailures.length >= MAX_JOB_FAILURES) {
        throw ApplicationFailure.create({
          type: FailureType.JobFailed,
          message: `${what}: ${out.jobFailures.length} jobs failed; last ${failureText(settled.r.failure)}`,
          nonRetryable: true,
          details: [{ jobFailures: out.jobFailures }],
        });
      }
    }
  }
}
