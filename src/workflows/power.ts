// One server to SHUTOFF or ACTIVE (for the server hold, server-hold-entity.ts): the `power` activity's prompt
// stage asks the cloud and follows promptly; if the server is not there within seconds its patient stage goes
// on (activities/power.ts). A failed job is asked again, at most MAX_JOB_FAILURES times; a start that a disk's
// upload blocks (P1) first waits, without a deadline of its own, until no disk of the server uploads.
// Workflow code: deterministic.
import { ApplicationFailure } from '@temporalio/workflow';
import { FailureType, type JobFailure, type PowerTarget, type StopType } from './api';
import { UNTIL_DISK_RELEASED_MS, waits } from './activity-options';
import { addCounts, type CallCounts } from './failures';
import { waitFor } from './waiting';

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
  /** On the urgent task queue (a restart; a stop since `hold-stops-on-urgent-queue`). */
  urgent?: boolean;
  /** Calls made so far, reported even when the step fails. */
  onCalls?: (calls: CallCounts) => void;
}

function failureText(f: JobFailure): string {
  return `job ${f.jobId} FAIL: ${f.errorCode ?? 'no error_code'} ${f.failReason ?? ''}`.trim();
}

export async function drivePower(o: PowerRequest): Promise<PowerOutcome> {
  let giveUpAt = Date.now() + o.deadlineMs;
  const out: PowerOutcome = { reachedAt: '', jobFailures: [], apiCalls: {} };
  const count = (c: CallCounts) => {
    addCounts(out.apiCalls, c);
    o.onCalls?.(c);
  };
  const step = { serverId: o.serverId, target: o.target, stopType: o.stopType };
  const stage = { urgent: o.urgent };
  for (;;) {
    const prompt = await waits(giveUpAt - Date.now(), stage).power(step);
    count(prompt.apiCalls);
    let settled;
    if ('done' in prompt.waited) settled = prompt.waited.done;
    else {
      const pending = prompt.waited.state!;
      out.requestedAt ??= pending.requestedAt;
      if (pending.blocked) {
        await waitFor({ deadlineMs: UNTIL_DISK_RELEASED_MS, urgent: o.urgent, patientOnly: true, counted: count }, (w, since) =>
          w.awaitStartable({ serverId: o.serverId, since }),
        );
        // The step's own time begins once it may act.
        giveUpAt = Date.now() + o.deadlineMs;
        continue;
      }
      const patient = await waits(giveUpAt - Date.now(), stage).power({ ...step, jobId: pending.jobId, since: prompt.waited.since });
      count(patient.apiCalls);
      if (!('done' in patient.waited))
        throw ApplicationFailure.create({ message: 'the patient stage of a stop or start ended without a result', nonRetryable: true });
      settled = patient.waited.done;
    }
    if (settled.outcome !== 'idle') out.requestedAt ??= settled.requestedAt;
    if (settled.outcome === 'reached') return { ...out, reachedAt: settled.at };
    if (settled.outcome === 'job-failed') {
      out.jobFailures.push(settled.failure);
      if (out.jobFailures.length >= MAX_JOB_FAILURES) {
        throw ApplicationFailure.create({
          type: FailureType.JobFailed,
          message:
            `${o.target === 'SHUTOFF' ? 'stop' : 'start'} server ${o.serverId}: ` +
            `${out.jobFailures.length} jobs failed; last ${failureText(settled.failure)}`,
          nonRetryable: true,
          details: [{ jobFailures: out.jobFailures }],
        });
      }
    }
  }
}
