// The export saga (docs/design.md, "The export saga"): validate → (existing image?) → plan → (approve) → hold the servers stopped →
// export → wait for the disk → release the holds → wait for the image → result. Servers are stopped and
// restarted by their hold workflows (server-hold.ts), reference-counted across runs (P4). The release is
// registered before the hold is taken and runs in a non-cancellable scope once the disk has left `uploading`,
// so a failure, a deadline or a cancel still restarts the servers (P1, P2).
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type ApproveInput,
  approveUpdate,
  type Deadlines,
  type ExportDiskInput,
  type ExportDiskResult,
  type ExportPlan,
  type ExportProgress,
  FailureType,
  heldSignal,
  type JobFailure,
  type Phase,
  progressQuery,
  releasedSignal,
  SA_IMAGE_ID,
  SA_PHASE,
  SA_SERVER_IDS,
} from './api';
import { renderDetails } from './details';
import { calls, exportRequest, UNTIL_DISK_RELEASED_MS } from './activity-options';
import { addCounts, type CallCounts, innermost, messageOf, typeOf } from './failures';
import { HeldServers } from './held-servers';
import { InputError, validateExportInput } from './validate';
import { waitFor } from './waiting';

const EXPORT_ATTEMPTS = 20;

const IMAGE_IN_PROGRESS = new Set(['queued', 'saving', 'uploading', 'importing']);

/** The workflow's failure: the innermost cause's type and words, plus what the run did about it. */
function failureFrom(err: unknown, message: string, suffix: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: typeOf(err) ?? 'ExportFailed',
    message: suffix ? `${message} (${suffix})` : message,
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
    details: details === undefined ? [] : [details],
  });
}

// Which deadline bounds each phase, to name it when it is exceeded.
const PHASE_DEADLINE: Partial<Record<Phase, keyof Deadlines>> = {
  stopping: 'stopMs',
  uploading: 'uploadMs',
  finishing: 'uploadMs',
  restarting: 'startMs',
};

export async function exportDiskImage(input: ExportDiskInput): Promise<ExportDiskResult> {
  const startedAt = new Date(workflowInfo().startTime).toISOString();
  const progress: ExportProgress = {
    phase: 'validating',
    volumeId: String(input?.volumeId ?? ''),
    imageName: String(input?.imageName ?? ''),
    servers: [],
    startedAt,
    updatedAt: startedAt,
    attention: [],
    jobFailures: [],
  };
  const apiCalls: CallCounts = {};
  let approved = false;

  setHandler(progressQuery, () => progress, { description: 'Phase, plan, image and per-server state of this export.' });
  setHandler(
    approveUpdate,
    (approval: ApproveInput) => {
      approved = true;
      progress.approvedBy = approval?.by ?? 'anonymous';
      return progress;
    },
    {
      description: 'Approve the plan shown in `progress` (only when started with requireApproval). Input: {"by": "your name"}.',
      validator: (_approval: ApproveInput) => {
        if (progress.phase !== 'awaiting-approval') throw new Error(`nothing to approve: the export is in phase ${progress.phase}`);
      },
    },
  );

  function setPhase(phase: Phase): void {
    progress.phase = phase;
    progress.updatedAt = new Date().toISOString();
    upsertSearchAttributes([{ key: SA_PHASE, value: phase }]);
    setCurrentDetails(renderDetails(progress));
  }
  function counted<T extends { apiCalls: CallCounts }>(r: T): T {
    addCounts(apiCalls, r.apiCalls);
    return r;
  }
  const addCalls = (c: CallCounts) => addCounts(apiCalls, c);
  function noteJobFailures(failures: JobFailure[]): void {
    for (const f of failures) if (!progress.jobFailures.some((x) => x.jobId === f.jobId)) progress.jobFailures.push(f);
  }
  function result(imageId: string, imageStatus: string, adopted: boolean): ExportDiskResult {
    return {
      volumeId: input.volumeId,
      imageId,
      imageName: input.imageName,
      imageStatus,
      adopted,
      servers: progress.servers,
      startedAt,
      finishedAt: new Date().toISOString(),
      apiCalls,
      jobFailures: progress.jobFailures,
    };
  }

  setPhase('validating');
  try {
    validateExportInput(input);
  } catch (err) {
    setPhase('failed');
    if (err instanceof InputError) throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
    throw err;
  }

  setPhase('planning');
  let plan: ExportPlan;
  try {
    // P3: a re-run of a request that already produced its image returns that image, touching nothing.
    const { image: existing } = counted(await calls.findExistingImage({ imageName: input.imageName }));
    if (existing?.dataOrigin && existing.dataOrigin !== `volume,${input.volumeId}`) {
      throw ApplicationFailure.create({
        type: FailureType.InvalidInput,
        message: `imageName: ${JSON.stringify(input.imageName)} is already the name of image ${existing.id}, made from ${existing.dataOrigin}; choose another name`,
        nonRetryable: true,
      });
    }
    if (existing?.status === 'active') {
      progress.imageId = existing.id;
      progress.imageStatus = existing.status;
      upsertSearchAttributes([{ key: SA_IMAGE_ID, value: existing.id }]);
      setPhase('done');
      return result(existing.id, existing.status, true);
    }
    plan = counted(await calls.planExport({ volumeId: input.volumeId, stopType: input.stopType, deadlines: input.deadlines })).plan;
  } catch (err) {
    // Nothing has been touched yet: fail (or end cancelled) with the refusal's own type and words.
    setPhase(isCancellation(err) ? 'cancelled' : 'failed');
    if (isCancellation(err)) throw err;
    throw failureFrom(err, messageOf(err), 'nothing was stopped or created');
  }
  progress.plan = plan;
  progress.servers = plan.servers.map((s) => ({ serverId: s.serverId, name: s.name, wasRunning: s.wasRunning, state: 'untouched' }));
  upsertSearchAttributes([{ key: SA_SERVER_IDS, value: plan.servers.map((s) => s.serverId) }]);


  let exportMayBeInFlight = false;
  let imageId: string | undefined;
  let adopted = false;

  const holds = new HeldServers({
    holder: { workflowId: workflowInfo().workflowId, runId: workflowInfo().runId },
    reports: progress.servers,
    counted: (c) => addCounts(apiCalls, c),
    onJobFailures: noteJobFailures,
    changed: () => {
      progress.attention = holds.attention();
      setCurrentDetails(renderDetails(progress));
    },
  });
  setHandler(heldSignal, (h) => holds.onHeld(h), { description: 'From a server hold: the server is stopped for this run.' });
  setHandler(releasedSignal, (r) => holds.onReleased(r), { description: 'From a server hold: how the server stands after this run released it.' });

  /**
   * The export request, retried by the workflow rather than by the activity so that history records when an
   * attempt may have reached the cloud (lost answer, dead worker): every later attempt then adopts or refuses,
   * never requests a second export (P3).
   */
  async function requestExportOnce() {
    let mayHaveRequested = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return counted(
          await exportRequest.requestExport({
            volumeId: input.volumeId,
            imageName: input.imageName,
            diskFormat: input.diskFormat,
            containerFormat: input.containerFormat,
            osType: input.osType,
            mayHaveRequested,
          }),
        );
      } catch (err) {
        const e = innermost(err);
        if (isCancellation(err) || (e instanceof ApplicationFailure && e.nonRetryable) || attempt >= EXPORT_ATTEMPTS) throw err;
        const sent = e instanceof ApplicationFailure ? (e.details?.[0] as { requestSent?: boolean } | undefined)?.requestSent : undefined;
        // A timeout means the worker died mid-call: what it did is unknown, so assume the request went out.
        if (sent !== false) mayHaveRequested = true;
        await sleep(Math.min(30_000, 1000 * 2 ** attempt));
      }
    }
  }

  try {
    if (input.requireApproval) {
      setPhase('awaiting-approval');
      await condition(() => approved);
    }

    if (plan.servers.length > 0) {
      setPhase('stopping');
      // All attached servers are held: one that is stopped must stay stopped while the disk uploads.
      await holds.hold(
        plan.servers.map((s) => s.serverId),
        input.stopType ?? 'SOFT',
        plan.deadlines.stopMs,
        plan.toStop,
      );
    }

    setPhase('exporting');
    exportMayBeInFlight = true;
    const started = await requestExportOnce();
    imageId = started.imageId;
    adopted = started.adopted;
    progress.imageId = imageId;
    upsertSearchAttributes([{ key: SA_IMAGE_ID, value: imageId }]);

    setPhase('uploading');
    // The end of the upload lets the servers restart: its patient reads go ahead of other runs' work (P9).
    await waitFor({ deadlineMs: plan.deadlines.uploadMs, restartPath: true, counted: addCalls }, (w, since) => w.awaitVolumeReleased({ volumeId: input.volumeId, since }));
    exportMayBeInFlight = false;

    if (holds.pending.length > 0) {
      setPhase('restarting');
      // Servers come back as soon as the disk is released, not when the image is finished.
      await CancellationScope.nonCancellable(() => holds.releaseAll(input.leaveServersStopped, plan.deadlines.startMs));
    }

    setPhase('finishing');
    const image = await waitFor({ deadlineMs: plan.deadlines.uploadMs, counted: addCalls }, (w, since) => w.awaitImageActive({ imageId: imageId!, since }));
    progress.imageStatus = image.status;
    if (input.tags?.length) counted(await calls.tagImage({ imageId, tags: input.tags }));

    const stillDown = holds.notRestarted(plan.deadlines.startMs);
    if (stillDown) {
      throw ApplicationFailure.create({
        type: FailureType.RestartFailed,
        message: `${stillDown} (image ${imageId} is ${image.status})`,
        nonRetryable: true,
        details: [{ serverIds: holds.pending, imageId }],
      });
    }
    setPhase('done');
    return result(imageId, image.status, adopted);
  } catch (err) {
    const cancelled = isCancellation(err);
    const failedIn = progress.phase;
    setPhase('compensating');
    progress.error = cancelled ? 'cancelled' : messageOf(err);
    let imageStatus: string | undefined;
    await CancellationScope.nonCancellable(async () => {
      // P1: the servers may run again only once the disk has left `uploading` (their holds check it too).
      if (exportMayBeInFlight && holds.pending.length > 0 && !input.leaveServersStopped) {
        await waitFor({ deadlineMs: UNTIL_DISK_RELEASED_MS, restartPath: true, counted: addCalls }, (w, since) =>
          w.awaitVolumeReleased({ volumeId: input.volumeId, compensating: true, since }),
        );
      }
      if (holds.pending.length > 0) {
        setPhase('compensating');
        await holds.releaseAll(input.leaveServersStopped, plan.deadlines.startMs);
      }
      if (imageId) imageStatus = counted(await calls.describeImage({ imageId })).status;
    });
    progress.imageStatus = imageStatus;
    setPhase(cancelled ? 'cancelled' : 'failed');
    if (cancelled) throw err;
    if (err instanceof ApplicationFailure && err.type === FailureType.RestartFailed) throw err;

    const deadline = PHASE_DEADLINE[failedIn];
    const message =
      typeOf(err) === FailureType.DeadlineExceeded && deadline
        ? `${failedIn} did not finish within deadlines.${deadline} = ${plan.deadlines[deadline]} ms`
        : messageOf(err);
    const restarted = progress.servers.filter((s) => s.state === 'restarted').map((s) => s.name);
    const stillDown = holds.notRestarted(plan.deadlines.startMs);
    const suffix = [
      imageId ? `image ${imageId} is ${imageStatus}${IMAGE_IN_PROGRESS.has(imageStatus ?? '') ? ' and may still complete' : ''}` : undefined,
      restarted.length ? `servers restarted: ${restarted.join(', ')}` : undefined,
      stillDown ? `NOT restarted: ${stillDown}` : undefined,
    ]
      .filter(Boolean)
      .join('; ');
    throw failureFrom(err, message, suffix, { imageId, imageStatus, adopted, servers: progress.servers, apiCalls, jobFailures: progress.jobFailures });
  }
}
