// The export saga (DESIGN §3): validate → plan → (approve) → stop → export → wait for the disk → restart →
// wait for the image → result. Compensation (restart what this run stopped, once the disk has left
// `uploading`) is registered before the stop call and runs in a non-cancellable scope, so a failure, a
// timeout or a cancel still restarts the servers (P1, P2).
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  type ApproveInput,
  approveUpdate,
  type ExportDiskInput,
  type ExportDiskResult,
  type ExportPlan,
  type ExportProgress,
  FailureType,
  NON_RETRYABLE_TYPES,
  type Phase,
  progressQuery,
  SA_IMAGE_ID,
  SA_PHASE,
  SA_SERVER_IDS,
  type ServerReport,
} from './api';
import { renderDetails } from './details';
import { InputError, validateExportInput } from './validate';

type CallCounts = Record<string, number>;

const RETRY = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
} as const;

// Short API steps: a few calls each; transient errors and throttling are retried here.
const short = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '15 minutes',
  retry: { ...RETRY, maximumAttempts: 20 },
});

// Waits are single heartbeating activities; the heartbeat timeout is how fast a crashed worker is noticed.
const HEARTBEAT_TIMEOUT = '20 seconds';

function waits(deadlineMs: number, maximumAttempts?: number) {
  return proxyActivities<Activities>({
    scheduleToCloseTimeout: deadlineMs,
    startToCloseTimeout: deadlineMs,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: { ...RETRY, maximumAttempts },
  });
}

// Compensation must not give up waiting for the disk: P1 forbids restarting while it is `uploading`.
const COMPENSATION_WAIT_MS = 7 * 24 * 3600_000;
const RESTART_BACKOFF_MS = [5_000, 15_000, 30_000, 60_000];

function add(into: CallCounts, more: CallCounts): void {
  for (const [op, n] of Object.entries(more)) into[op] = (into[op] ?? 0) + n;
}

function messageOf(err: unknown): string {
  let e: unknown = err;
  // The cloud's own words are on the innermost ApplicationFailure.
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

function typeOf(err: unknown): string | undefined {
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof ApplicationFailure ? (e.type ?? undefined) : undefined;
}

/** The workflow's failure: the innermost cause's type and words, plus what the run did about it. */
function failureFrom(err: unknown, suffix: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: typeOf(err) ?? 'ExportFailed',
    message: suffix ? `${messageOf(err)} (${suffix})` : messageOf(err),
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
    details: details === undefined ? [] : [details],
  });
}

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
      description: 'Approve the plan shown in `progress` (only when started with requireApproval). Optional input: {"by": "name"}.',
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
  function server(id: string): ServerReport {
    return progress.servers.find((s) => s.serverId === id)!;
  }
  function counted<T extends { apiCalls: CallCounts }>(r: T): T {
    add(apiCalls, r.apiCalls);
    return r;
  }

  setPhase('validating');
  try {
    validateExportInput(input);
  } catch (err) {
    if (err instanceof InputError) throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
    throw err;
  }

  setPhase('planning');
  let plan: ExportPlan;
  try {
    plan = counted(await short.planExport({ volumeId: input.volumeId, stopType: input.stopType, deadlines: input.deadlines })).plan;
  } catch (err) {
    // Nothing has been touched yet: fail (or end cancelled) with the refusal's own type and words.
    setPhase(isCancellation(err) ? 'cancelled' : 'failed');
    if (isCancellation(err)) throw err;
    throw failureFrom(err, 'nothing was stopped or created');
  }
  progress.plan = plan;
  progress.servers = plan.servers.map((s) => ({ serverId: s.serverId, name: s.name, wasRunning: s.wasRunning, state: 'untouched' }));
  upsertSearchAttributes([{ key: SA_SERVER_IDS, value: plan.servers.map((s) => s.serverId) }]);

  if (input.requireApproval) {
    setPhase('awaiting-approval');
    await condition(() => approved);
  }

  const stopCalls = waits(plan.deadlines.stopMs);
  const uploadCalls = waits(plan.deadlines.uploadMs);
  const startCalls = waits(plan.deadlines.startMs, 3);
  const compensationCalls = waits(COMPENSATION_WAIT_MS);

  // Servers this run may have stopped. Filled BEFORE the stop call: a lost response can still stop them.
  let mustRestart: string[] = [];
  let exportMayBeInFlight = false;
  let imageId: string | undefined;
  let adopted = false;

  async function restartOne(id: string): Promise<void> {
    const s = server(id);
    s.state = 'restarting';
    const giveUpAt = Date.now() + plan.deadlines.startMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = counted(await startCalls.startServers({ serverIds: [id] }));
        s.state = 'restarted';
        s.startedAt = r.servers[id].reachedAt;
        if (s.stoppedAt) s.downtimeMs = Date.parse(s.startedAt) - Date.parse(s.stoppedAt);
        progress.attention = progress.attention.filter((a) => !a.includes(id));
        return;
      } catch (err) {
        // Reported and retried with backoff; the other servers' restarts go on in parallel (P2).
        s.state = 'restart-failing';
        s.lastError = messageOf(err);
        progress.attention = [...progress.attention.filter((a) => !a.includes(id)), `server ${s.name} (${id}) does not start: ${s.lastError}`];
        setCurrentDetails(renderDetails(progress));
        if (Date.now() >= giveUpAt) return;
        await sleep(RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]);
      }
    }
  }

  async function restartAll(): Promise<void> {
    const ids = mustRestart;
    await Promise.all(ids.map(restartOne));
    mustRestart = ids.filter((id) => server(id).state !== 'restarted');
  }

  function restartFailure(): ApplicationFailure | undefined {
    if (mustRestart.length === 0) return undefined;
    const names = mustRestart.map((id) => `${server(id).name} (${id})`).join(', ');
    return ApplicationFailure.create({
      type: FailureType.RestartFailed,
      message: `servers not running again after ${plan.deadlines.startMs} ms of retries: ${names}; start them by hand${imageId ? ` (image ${imageId})` : ''}`,
      nonRetryable: true,
      details: [{ serverIds: mustRestart, imageId }],
    });
  }

  try {
    if (plan.toStop.length > 0) {
      setPhase('stopping');
      mustRestart = [...plan.toStop];
      for (const id of plan.toStop) server(id).state = 'stopping';
      const r = counted(await stopCalls.stopServers({ serverIds: plan.toStop, stopType: input.stopType ?? 'SOFT' }));
      for (const id of plan.toStop) {
        const s = server(id);
        s.state = 'stopped';
        s.stoppedAt = r.servers[id].requestedAt ?? r.servers[id].reachedAt;
      }
    }

    setPhase('exporting');
    exportMayBeInFlight = true;
    const started = counted(
      await short.startExport({
        volumeId: input.volumeId,
        imageName: input.imageName,
        diskFormat: input.diskFormat,
        containerFormat: input.containerFormat,
        osType: input.osType,
      }),
    );
    imageId = started.imageId;
    adopted = started.adopted;
    progress.imageId = imageId;
    upsertSearchAttributes([{ key: SA_IMAGE_ID, value: imageId }]);

    setPhase('uploading');
    counted(await uploadCalls.waitForVolumeReleased({ volumeId: input.volumeId }));
    exportMayBeInFlight = false;

    if (mustRestart.length > 0 && !input.leaveServersStopped) {
      setPhase('restarting');
      // Servers come back as soon as the disk is released, not when the image is finished.
      await CancellationScope.nonCancellable(restartAll);
    }

    setPhase('finishing');
    const image = counted(await uploadCalls.waitForImage({ imageId }));
    progress.imageStatus = image.status;
    if (input.tags?.length) counted(await short.tagImage({ imageId, tags: input.tags }));

    const failedRestart = restartFailure();
    if (failedRestart && !input.leaveServersStopped) throw failedRestart;
    for (const id of mustRestart) server(id).state = 'left-stopped';
    setPhase('done');
    return {
      volumeId: input.volumeId,
      imageId,
      imageName: input.imageName,
      imageStatus: image.status,
      adopted,
      servers: progress.servers,
      startedAt,
      finishedAt: new Date().toISOString(),
      apiCalls,
    };
  } catch (err) {
    const cancelled = isCancellation(err);
    setPhase('compensating');
    progress.error = cancelled ? 'cancelled' : messageOf(err);
    await CancellationScope.nonCancellable(async () => {
      if (mustRestart.length === 0 || input.leaveServersStopped) return;
      // P1: the servers may run again only once the disk has left `uploading`.
      if (exportMayBeInFlight) counted(await compensationCalls.waitForVolumeReleased({ volumeId: input.volumeId }));
      setPhase('compensating');
      await restartAll();
    });
    for (const id of mustRestart) if (input.leaveServersStopped) server(id).state = 'left-stopped';
    setPhase(cancelled ? 'cancelled' : 'failed');
    if (cancelled) throw err;
    if (err instanceof ApplicationFailure && err.type === FailureType.RestartFailed) throw err;
    const notRestarted = restartFailure();
    const restarted = progress.servers.filter((s) => s.state === 'restarted').map((s) => s.name);
    const suffix = [
      imageId ? `image ${imageId}` : undefined,
      restarted.length ? `servers restarted: ${restarted.join(', ')}` : undefined,
      notRestarted ? `NOT restarted: ${notRestarted.message}` : undefined,
    ]
      .filter(Boolean)
      .join('; ');
    throw failureFrom(err, suffix, { imageId, adopted, servers: progress.servers, apiCalls });
  }
}

