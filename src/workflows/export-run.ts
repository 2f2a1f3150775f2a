// One run of the export saga, as the runbook reads: validate → look for the image (a re-run returns it) → plan →
// approval if asked → hold the servers stopped → request the export → wait for the disk to leave `uploading` →
// release the holds (each restarts its server) and follow the restarts → wait for the image → tag it. The snapshot
// strategy puts three steps after the hold: snapshot the disk, release the holds, make a temporary disk from the
// snapshot — which is exported instead — and removes both at the end. On a failure or a cancel after the holds
// were taken, `compensate` waits until the disk has left `uploading` (P1), releases the holds and removes what
// the run created, shielded from cancellation (P2). `exportDiskImage` (export-disk-image.ts) registers the messages and
// drives it. Workflow code: deterministic.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { StartedExport } from '../activities/export';
import type { ImageSummary } from '../activities/planning';
import {
  type ApproveInput,
  type Deadlines,
  type ExportDiskInput,
  type ExportDiskResult,
  type ExportPlan,
  type ExportProgress,
  FailureType,
  isServerExportWorkflowId,
  type JobFailure,
  type OsType,
  type Phase,
  SA_IMAGE_ID,
  SA_PHASE,
  SA_SERVER_IDS,
  SA_VOLUME_ID,
  snapshotTakenSignal,
  sourceVolumeTag,
} from './api';
import { admission, BACKGROUND_PRIORITY, backgroundCalls, calls, exportRequest, UNTIL_DISK_RELEASED_MS } from './activity-options';
import { approvalSummary, renderDetails, resultSummary } from './details';
import { addCounts, type CallCounts, innermost, messageOf, typeOf } from './failures';
import { HeldServers, neverStopped, plannedReports } from './held-servers';
import { TemporaryCopy } from './temporary-copy';
import { InputError, validateExportInput } from './validate';
import { upsertOwnSearchAttributes } from './visibility';
import { countCompensation } from './metrics';
import { waitFor } from './waiting';

const EXPORT_ATTEMPTS = 20;
const APPROVAL_IN_TIMELINE = 'approval-wait-in-timeline';
const SOURCE_TAG_ALWAYS = 'source-volume-tag-on-every-image';
const ADMISSION_JOINS_HELD = 'admission-joins-servers-held-by-others';
const EXPORT_REQUEST_URGENT = 'export-request-on-urgent-queue';
// The image's lookup and the plan in one activity: under load each activity waits for the task queue's dispatch rate.
const PLAN_WITH_NAME = 'plan-and-image-lookup-in-one-activity';
const IMAGE_IN_PROGRESS = new Set(['queued', 'saving', 'uploading', 'importing']);

// Which deadline bounds each phase, to name it when it is exceeded.
const PHASE_DEADLINE: Partial<Record<Phase, keyof Deadlines>> = {
  stopping: 'stopMs',
  snapshotting: 'snapshotMs',
  copying: 'copyMs',
  uploading: 'uploadMs',
  finishing: 'uploadMs',
  restarting: 'startMs',
};

// The snapshot strategy's steps, named in a failure's message.
const STEP: Partial<Record<Phase, string>> = {
  snapshotting: 'taking the snapshot failed',
  copying: 'making the temporary disk failed',
  'cleaning-up': 'removing the snapshot or the temporary disk failed',
};

/** The run's failure: the innermost cause's type and words, plus what the run did about it. */
function failureFrom(err: unknown, message: string, suffix: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: typeOf(err) ?? FailureType.Unexpected,
    message: suffix ? `${message} (${suffix})` : message,
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
    details: details === undefined ? [] : [details],
  });
}

export class ExportRun {
  readonly progress: ExportProgress;
  private readonly apiCalls: CallCounts = {};
  private readonly startedAt: string;
  private approved = false;
  private plan!: ExportPlan;
  private holds!: HeldServers;
  /** The snapshot strategy's snapshot and temporary disk. */
  private copy?: TemporaryCopy;
  /** The disk the export reads: the source, or the temporary disk made from its snapshot. */
  private exported?: { volumeId: string; osType?: OsType };
  private imageId?: string;
  private adopted = false;
  /** Planning found no image of this name made or being made (P3: the request need not look again, see below). */
  private nameFree = false;
  /** From the export request until the disk has left `uploading`: the servers must stay stopped (P1). */
  private exportMayBeInFlight = false;

  constructor(private readonly input: ExportDiskInput) {
    this.startedAt = new Date(workflowInfo().startTime).toISOString();
    this.progress = {
      phase: 'validating',
      volumeId: String(input?.volumeId ?? ''),
      imageName: String(input?.imageName ?? ''),
      servers: [],
      startedAt: this.startedAt,
      updatedAt: this.startedAt,
      attention: [],
      jobFailures: [],
    };
  }

  // ---- Messages

  approve(approval: ApproveInput): ExportProgress {
    this.approved = true;
    this.progress.approvedBy = approval?.by ?? 'anonymous';
    return this.progress;
  }

  /** The `approve` update's validator: synchronous, and it refuses when there is nothing to approve. */
  checkApproval(): void {
    if (this.progress.phase === 'awaiting-approval') return;
    throw ApplicationFailure.create({
      type: FailureType.NothingToApprove,
      message: `nothing to approve: the export is in phase ${this.progress.phase}`,
      nonRetryable: true,
    });
  }

  /** The run's side of its holds, once it has a plan (the hold signals are for it). */
  heldServers(): HeldServers | undefined {
    return this.holds;
  }

  // ---- The runbook

  async run(): Promise<ExportDiskResult> {
    this.validate();
    const existing = await this.planOrFindImage();
    if (existing) return existing;
    try {
      await this.awaitApproval();
      await this.holdServers();
      if (this.copy) await this.copyDisk();
      await this.requestExport();
      await this.awaitUpload();
      await this.awaitRestarts();
      return await this.finish();
    } catch (err) {
      throw await this.compensate(err);
    }
  }

  private validate(): void {
    this.setPhase('validating');
    try {
      validateExportInput(this.input);
    } catch (err) {
      this.setPhase('failed');
      if (err instanceof InputError)
        throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
      throw err;
    }
    upsertOwnSearchAttributes([{ key: SA_VOLUME_ID, value: this.input.volumeId }]);
  }

  /** P3: a re-run of a request that already produced its image returns that image, touching nothing; else the plan. */
  private async planOrFindImage(): Promise<ExportDiskResult | undefined> {
    this.setPhase('planning');
    try {
      const { volumeId, stopType, deadlines, strategy, stopServers, diskFormat, imageName } = this.input;
      const planArgs = { volumeId, stopType, deadlines, strategy, stopServers, diskFormat };
      if (patched(PLAN_WITH_NAME)) {
        const found = this.counted(await calls.planExportOrFindImage({ ...planArgs, imageName }));
        const existing = this.foundImage(found.image);
        if (existing) return existing;
        // Absent only beside an active image, which foundImage returned or refused.
        this.plan = found.plan!;
      } else {
        const existing = this.foundImage(this.counted(await calls.findExistingImage({ imageName })).image);
        if (existing) return existing;
        this.plan = this.counted(await calls.planExport(planArgs)).plan;
      }
    } catch (err) {
      // Nothing has been touched yet: fail (or end cancelled) with the refusal's own type and words.
      this.setPhase(isCancellation(err) ? 'cancelled' : 'failed');
      if (isCancellation(err)) throw err;
      throw failureFrom(err, messageOf(err), 'nothing was stopped or created');
    }
    this.progress.plan = this.plan;
    const toStop = this.plan.stopServers === false ? [] : this.plan.toStop;
    const expectedMs = this.plan.strategy === 'snapshot' ? this.plan.downtime?.snapshotMs : this.plan.downtime?.directMs;
    this.progress.servers = plannedReports(this.plan.servers, toStop, expectedMs);
    upsertSearchAttributes([{ key: SA_SERVER_IDS, value: this.plan.servers.map((s) => s.serverId) }]);
    this.holds = new HeldServers({
      reports: this.progress.servers,
      counted: (c) => addCounts(this.apiCalls, c),
      onJobFailures: (f) => this.noteJobFailures(f),
      changed: () => {
        this.progress.attention = this.holds.attention();
        setCurrentDetails(renderDetails(this.progress));
      },
    });
    if (this.plan.strategy === 'snapshot') {
      this.copy = new TemporaryCopy({
        plan: this.plan,
        counted: this.addCalls,
        changed: () => setCurrentDetails(renderDetails(this.progress)),
      });
      this.progress.temporary = this.copy.report;
    }
    return undefined;
  }

  /** The image of the run's name, if any: an active one of ours is the result; one not ours is refused. */
  private foundImage(image: ImageSummary | null): ExportDiskResult | undefined {
    this.nameFree = !image;
    const ours = image?.dataOrigin === `volume,${this.input.volumeId}` || image?.tags?.includes(sourceVolumeTag(this.input.volumeId));
    // Glance (vanilla OpenStack) records no origin: an active image of that name that is not tagged ours is not ours.
    if (image && !ours && (image.dataOrigin || image.status === 'active')) {
      throw ApplicationFailure.create({
        type: FailureType.InvalidInput,
        message:
          `imageName: ${JSON.stringify(this.input.imageName)} is already the name of image ${image.id}, ` +
          `${image.dataOrigin ? `made from ${image.dataOrigin}` : 'not made by an export of this disk'}; choose another name`,
        nonRetryable: true,
      });
    }
    if (image?.status !== 'active') return undefined;
    this.progress.imageId = image.id;
    this.progress.imageStatus = image.status;
    upsertSearchAttributes([{ key: SA_IMAGE_ID, value: image.id }]);
    this.setPhase('done');
    return this.result(image.id, image.status, true);
  }

  private async awaitApproval(): Promise<void> {
    if (!this.input.requireApproval) return;
    this.setPhase('awaiting-approval');
    if (!patched(APPROVAL_IN_TIMELINE)) return condition(() => this.approved);
    // A timer that names the wait shows in the Web UI's default view, where an operator looks first.
    const summary = approvalSummary(this.progress.servers);
    while (!(await condition(() => this.approved, '1 day', { summary })));
  }

  /** Every attached server is held: one that is stopped must stay stopped while the disk uploads. */
  private async holdServers(): Promise<void> {
    if (this.plan.servers.length === 0 || this.plan.stopServers === false) return;
    this.setPhase('stopping');
    let admit: (() => Promise<void>) | undefined;
    if (this.plan.admission) {
      const names = this.plan.servers.filter((s) => this.plan.toStop.includes(s.serverId)).map((s) => s.name);
      const take = async () => {
        this.showAdmission(true);
        try {
          await admission(`wait for the account's API budget to stop ${names.join(', ')}`).admit();
        } finally {
          this.showAdmission(false);
        }
      };
      // Servers of one disk only: the admission, then the holds. Shared ones: see HeldServers.hold. Before the
      // patch, a run whose servers others stopped meanwhile still waited for its admission.
      if (this.plan.admissionJoins && patched(ADMISSION_JOINS_HELD)) admit = take;
      else await take();
    }
    await this.holds.hold(
      this.plan.servers.map((s) => s.serverId),
      this.input.stopType ?? 'SOFT',
      this.plan.deadlines.stopMs,
      this.plan.toStop,
      admit,
    );
  }

  /** Snapshot strategy: the servers are down only until the snapshot is taken; the export reads a copy. */
  private async copyDisk(): Promise<void> {
    const copy = this.copy!;
    this.setPhase('snapshotting');
    await copy.takeSnapshot();
    await this.tellParentSnapshotTaken();
    await this.awaitRestarts();
    this.setPhase('copying');
    const ready = await copy.makeDisk();
    const osType =
      this.input.osType ?? this.plan.osType ?? (ready.osType === 'windows' || ready.osType === 'linux' ? ready.osType : undefined);
    this.exported = { volumeId: ready.volumeId, osType };
  }

  /** A whole-server export restarts the servers once every disk's snapshot is taken. */
  private async tellParentSnapshotTaken(): Promise<void> {
    const parent = workflowInfo().parent;
    if (!parent || !isServerExportWorkflowId(parent.workflowId)) return;
    try {
      await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(snapshotTakenSignal, { volumeId: this.input.volumeId });
    } catch {
      // The parent has ended: nobody waits for this.
    }
  }

  private async requestExport(): Promise<StartedExport> {
    this.setPhase('exporting');
    this.exportMayBeInFlight = true;
    const started = await this.requestExportOnce();
    this.imageId = started.imageId;
    this.adopted = started.adopted;
    this.progress.imageId = this.imageId;
    upsertSearchAttributes([{ key: SA_IMAGE_ID, value: this.imageId }]);
    return started;
  }

  /**
   * The export request, retried by the workflow rather than by the activity so that history records when an
   * attempt may have reached the cloud (lost answer, dead worker): every later attempt then adopts or refuses,
   * never requests a second export (P3).
   */
  private async requestExportOnce(): Promise<StartedExport> {
    const i = this.input;
    let mayHaveRequested = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const args = {
          volumeId: this.exported?.volumeId ?? i.volumeId,
          imageName: i.imageName,
          diskFormat: i.diskFormat,
          containerFormat: i.containerFormat,
          osType: this.exported ? this.exported.osType : i.osType,
          mayHaveRequested,
          asPlanned: this.asPlanned(),
        };
        // Stopped servers wait for the request (a temporary copy's servers run again already).
        const urgent = !this.exported && patched(EXPORT_REQUEST_URGENT);
        return this.counted(await exportRequest(`export disk ${args.volumeId} → image ${i.imageName}`, urgent).requestExport(args));
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

  /**
   * What lets the request go out without reading the disk and the image name again while the servers are down:
   * planning found the name free, and this run is no reset — a reset run may replay a planning that came before
   * its earlier run's request, whose export it must adopt. A temporary copy is read as before (nothing waits for it).
   */
  private asPlanned(): { force: boolean } | undefined {
    const info = workflowInfo();
    if (!this.nameFree || this.exported || info.runId !== info.originalExecutionRunId) return undefined;
    return { force: this.plan.force };
  }

  /** The end of the upload lets the servers restart: its patient reads go ahead of other runs' work (P9). */
  private async awaitUpload(): Promise<void> {
    this.setPhase('uploading');
    const volumeId = this.exported?.volumeId ?? this.input.volumeId;
    // A temporary disk holds no server back: its wait is an ordinary one.
    const summary = `wait for disk ${volumeId} to finish uploading`;
    await waitFor({ deadlineMs: this.plan.deadlines.uploadMs, restartPath: !this.exported, summary, counted: this.addCalls }, (w, since) =>
      w.awaitVolumeReleased({ volumeId, since }),
    );
    this.exportMayBeInFlight = false;
  }

  /** Servers come back as soon as the disk is released, not when the image is finished. */
  private async awaitRestarts(): Promise<void> {
    if (this.holds.pending.length === 0) return;
    this.setPhase('restarting');
    await CancellationScope.nonCancellable(() => this.holds.releaseAll(this.input.leaveServersStopped, this.plan.deadlines.startMs));
  }

  private async finish(): Promise<ExportDiskResult> {
    this.setPhase('finishing');
    const imageId = this.imageId!;
    const summary = `wait for image ${this.input.imageName} to become active`;
    const image = await waitFor(
      { deadlineMs: this.plan.deadlines.uploadMs, priority: BACKGROUND_PRIORITY, summary, counted: this.addCalls },
      (w, since) => w.awaitImageActive({ imageId, since }),
    );
    this.progress.imageStatus = image.status;
    // The tag names the source disk, for re-runs (P3): an image of a temporary disk names the copy as its origin,
    // and Glance records no origin at all.
    const tagSource = !!this.copy || patched(SOURCE_TAG_ALWAYS);
    const tags = [...(this.input.tags ?? []), ...(tagSource ? [sourceVolumeTag(this.input.volumeId)] : [])];
    if (tags.length) this.counted(await backgroundCalls.tagImage({ imageId, tags }));
    const stillDown = this.holds.notRestarted(this.plan.deadlines.startMs);
    if (stillDown) {
      throw ApplicationFailure.create({
        type: FailureType.RestartFailed,
        message: `${stillDown} (image ${imageId} is ${image.status})`,
        nonRetryable: true,
        details: [{ serverIds: this.holds.pending, imageId }],
      });
    }
    await this.removeTemporaries();
    this.setPhase('done');
    return this.result(imageId, image.status, this.adopted);
  }

  /** Puts everything right that can be, and returns the failure the run ends with. */
  private async compensate(err: unknown): Promise<unknown> {
    const cancelled = isCancellation(err);
    const failedIn = this.progress.phase;
    countCompensation(err, failedIn);
    neverStopped(this.progress.servers);
    this.setPhase('compensating');
    this.progress.error = cancelled ? 'cancelled' : messageOf(err);
    let imageStatus: string | undefined;
    await CancellationScope.nonCancellable(async () => {
      await this.restoreServers();
      await this.removeTemporaries().catch((e: unknown) => {
        // The run's own failure is what it ends with; the leftover is said in it and shown as needing attention.
        this.progress.attention.push(`the snapshot or the temporary disk may be left: ${messageOf(e)}`);
      });
      if (this.imageId) imageStatus = this.counted(await calls.describeImage({ imageId: this.imageId })).status;
    });
    this.progress.imageStatus = imageStatus;
    this.setPhase(cancelled ? 'cancelled' : 'failed');
    if (cancelled || (err instanceof ApplicationFailure && err.type === FailureType.RestartFailed)) return err;
    return failureFrom(err, this.failureMessage(err, failedIn), this.aftermath(imageStatus), {
      imageId: this.imageId,
      imageStatus,
      adopted: this.adopted,
      servers: this.progress.servers,
      apiCalls: this.apiCalls,
      jobFailures: this.progress.jobFailures,
    });
  }

  /** P1: the servers may run again only once the disk has left `uploading` (their holds check it too). */
  private async restoreServers(): Promise<void> {
    const { input, holds } = this;
    if (this.exportMayBeInFlight && holds.pending.length > 0 && !input.leaveServersStopped) {
      await waitFor({ deadlineMs: UNTIL_DISK_RELEASED_MS, restartPath: true, counted: this.addCalls }, (w, since) =>
        w.awaitVolumeReleased({ volumeId: input.volumeId, compensating: true, since }),
      );
    }
    if (holds.pending.length === 0) return;
    this.setPhase('compensating');
    await holds.releaseAll(input.leaveServersStopped, this.plan.deadlines.startMs);
  }

  /** The snapshot strategy's last step, and part of every compensation: nothing the run created is left. */
  private async removeTemporaries(): Promise<void> {
    if (!this.copy) return;
    this.setPhase('cleaning-up');
    await this.copy.remove();
  }

  private temporariesAftermath(): string {
    const t = this.copy!.report;
    const left = [
      t.snapshotId && !t.snapshotDeletedAt && `snapshot ${t.snapshotId}`,
      t.volumeId && !t.volumeDeletedAt && `disk ${t.volumeId}`,
    ];
    const named = left.filter(Boolean);
    return named.length ? `NOT deleted: ${named.join(', ')}` : 'nothing left behind (snapshot and temporary disk deleted)';
  }

  private failureMessage(err: unknown, failedIn: Phase): string {
    const deadline = PHASE_DEADLINE[failedIn];
    if (typeOf(err) === FailureType.DeadlineExceeded && deadline)
      return `${failedIn} did not finish within deadlines.${deadline} = ${this.plan.deadlines[deadline]} ms`;
    const step = STEP[failedIn];
    return step ? `${step}: ${messageOf(err)}` : messageOf(err);
  }

  /** What the operator needs to know after a failure: the image, which servers run again, which do not. */
  private aftermath(imageStatus: string | undefined): string {
    const restarted = this.progress.servers.filter((s) => s.state === 'restarted').map((s) => s.name);
    const stillDown = this.holds.notRestarted(this.plan.deadlines.startMs);
    return [
      this.imageId
        ? `image ${this.imageId} is ${imageStatus}${IMAGE_IN_PROGRESS.has(imageStatus ?? '') ? ' and may still complete' : ''}`
        : undefined,
      restarted.length ? `servers restarted: ${restarted.join(', ')}` : undefined,
      stillDown ? `NOT restarted: ${stillDown}` : undefined,
      this.copy ? this.temporariesAftermath() : undefined,
    ]
      .filter(Boolean)
      .join('; ');
  }

  // ---- Bookkeeping

  private setPhase(phase: Phase): void {
    this.progress.phase = phase;
    upsertSearchAttributes([{ key: SA_PHASE, value: phase }]);
    this.touched();
  }

  /** Progress only (a query and the Web UI's details, no command): replays as it ran. */
  private showAdmission(waiting: boolean): void {
    if (waiting) this.progress.awaitingAdmission = true;
    else delete this.progress.awaitingAdmission;
    this.touched();
  }

  /** The progress changed: stamp it and show it in the Web UI's details. */
  private touched(): void {
    this.progress.updatedAt = new Date().toISOString();
    setCurrentDetails(renderDetails(this.progress));
  }

  private counted<T extends { apiCalls: CallCounts }>(r: T): T {
    addCounts(this.apiCalls, r.apiCalls);
    return r;
  }

  private readonly addCalls = (c: CallCounts) => addCounts(this.apiCalls, c);

  private noteJobFailures(failures: JobFailure[]): void {
    for (const f of failures) if (!this.progress.jobFailures.some((x) => x.jobId === f.jobId)) this.progress.jobFailures.push(f);
  }

  private result(imageId: string, imageStatus: string, adopted: boolean): ExportDiskResult {
    return {
      // First, so the Web UI's result box shows it without scrolling.
      summary: resultSummary(this.input.imageName, imageId, imageStatus, this.progress.servers),
      volumeId: this.input.volumeId,
      imageId,
      imageName: this.input.imageName,
      imageStatus,
      adopted,
      servers: this.progress.servers,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      apiCalls: this.apiCalls,
      jobFailures: this.progress.jobFailures,
      strategy: this.plan?.strategy ?? 'direct',
      ...(this.copy ? { temporary: this.copy.report } : {}),
    };
  }
}
