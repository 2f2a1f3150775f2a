// Everything clients, activities, tests and workflows share: message definitions, search-attribute keys,
// input/result types and failure-type strings. Imports neither activities nor Node.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const DEFAULT_TASK_QUEUE = 'evs-image-export';

/** Cloud API calls, per operation (`evs.getVolume`, …): what a run, a hold or an activity cost (P8). */
export type CallCounts = Record<string, number>;

/**
 * The task queue of the calls a stopped server's restart needs, beside the main one: its own slots on every
 * worker, so a restart never queues behind other runs' plans, stops and polls (P9).
 */
export function urgentTaskQueue(taskQueue: string): string {
  return `${taskQueue}-urgent`;
}

/**
 * The task queue of admissions (EVS_EXPORT_ADMISSION): a run that will stop a server nobody holds first takes one
 * activity here, and the server hands them out no faster than the account's budget carries exports through.
 */
export function admissionTaskQueue(taskQueue: string): string {
  return `${taskQueue}-admission`;
}
export const EXPORT_WORKFLOW_TYPE = 'exportDiskImage';

/** One running export per disk: the workflow id is derived from the disk (promise P4). */
export function exportWorkflowId(volumeId: string): string {
  return `export-${volumeId}`;
}

import type { ContainerFormat, DiskFormat, OsType, StopType, Strategy } from '../formats';
export type { ContainerFormat, DiskFormat, OsType, StopType, Strategy };

export interface Deadlines {
  stopMs?: number;
  uploadMs?: number;
  startMs?: number;
  /** The snapshot becoming `available` (snapshot strategy). */
  snapshotMs?: number;
  /** The temporary disk made from the snapshot becoming `available` (snapshot strategy). */
  copyMs?: number;
}

/** The single JSON object a person can paste into the Web UI's start form (docs/design.md, "The export saga"). */
export interface ExportDiskInput {
  volumeId: string;
  imageName: string;
  /** Default `zvhd2`. */
  diskFormat?: DiskFormat;
  /** Default `bare`. */
  containerFormat?: ContainerFormat;
  /** Sent as `__os_type`; the cloud ignores it when the disk carries its own OS type. */
  osType?: OsType;
  /** Default `SOFT`. */
  stopType?: StopType;
  /** Wait for the `approve` update after the plan is made. */
  requireApproval?: boolean;
  /** Leave the stopped servers stopped at the end (operator's explicit choice, P2). */
  leaveServersStopped?: boolean;
  /** Defaults are scaled from the disk size: see `defaultDeadlines`. */
  deadlines?: Deadlines;
  /** Image tags added on success (IMS tag rules: letters, digits, `_`, `-`). */
  tags?: string[];
  /** Default `direct`. `snapshot`: the servers are down only while a snapshot is taken (docs/design.md). */
  strategy?: Strategy;
  /** Default true. `false` (snapshot strategy only): no server is touched; the image is crash-consistent. */
  stopServers?: boolean;
}

export type Phase =
  | 'validating'
  | 'planning'
  | 'awaiting-approval'
  | 'stopping'
  | 'snapshotting'
  | 'copying'
  | 'exporting'
  | 'uploading'
  | 'restarting'
  | 'finishing'
  | 'cleaning-up'
  | 'done'
  | 'compensating'
  | 'failed'
  | 'cancelled';

export interface PlannedServer {
  serverId: string;
  name: string;
  status: string;
  taskState: string | null;
  locked: boolean;
  /** Running before the export touched it: it will be stopped and restarted. */
  wasRunning: boolean;
}

export interface ExportPlan {
  volumeId: string;
  volumeName: string;
  volumeStatus: string;
  sizeGb: number;
  multiattach: boolean;
  bootable: boolean;
  servers: PlannedServer[];
  /** Servers that will be stopped (and restarted). */
  toStop: string[];
  /** `force: true` is needed for an `in-use` disk even after its servers stop (cloud-api.md §7.4). */
  force: boolean;
  /** What the run will wait for at most, per step. */
  deadlines: Required<Deadlines>;
  strategy: Strategy;
  /** False only for a crash-consistent snapshot export: no server is touched. */
  stopServers: boolean;
  /** Expected downtime of each running server under each strategy, and the durations behind it (estimates.ts). */
  downtime: DowntimeEstimate;
  /** Sent as `__os_type` when exporting a temporary disk: the source disk's own (its image metadata). */
  osType?: OsType;
  /** Where a temporary disk is made (the source disk's zone and type). */
  availabilityZone?: string | null;
  volumeType?: string | null;
  /** What the operator should know about this plan, in plain words. */
  notes: string[];
  /** The run waits for its admission before it stops servers: it will stop one that nobody holds (EVS_EXPORT_ADMISSION). */
  admission?: boolean;
  /**
   * Every server it would stop has other disks, so other runs may stop them first: it waits for its admission
   * as a waiting holder of their holds and joins them if they do (held-servers.ts).
   */
  admissionJoins?: boolean;
}

export interface DowntimeEstimate {
  directMs: number;
  snapshotMs: number;
  /** The expected durations the estimate is made of. */
  basis: { stopMs: number; startMs: number; uploadMs: number; snapshotMs: number };
}

/** What the snapshot strategy creates and deletes; named after the run so a lost answer is adopted (P3). */
export interface TemporaryResources {
  snapshotName: string;
  snapshotId?: string;
  snapshotCreatedAt?: string;
  snapshotDeletedAt?: string;
  volumeName: string;
  volumeId?: string;
  volumeCreatedAt?: string;
  volumeDeletedAt?: string;
}

/** The name of a run's snapshot and of its temporary disk (EVS names: up to 64 characters). */
export function temporaryName(runId: string): string {
  return `evs-export-${runId}`;
}

/** The tag that says which disk an image exported from a temporary disk was made from (its `__data_origin` names the copy). */
export function sourceVolumeTag(volumeId: string): string {
  return `evs-export-source-${volumeId}`;
}

export type ServerState =
  'untouched' | 'will-stop' | 'held-by-others' | 'stopping' | 'stopped' | 'restarting' | 'restarted' | 'left-stopped' | 'restart-failing';

export interface ServerReport {
  serverId: string;
  name: string;
  wasRunning: boolean;
  state: ServerState;
  stoppedAt?: string;
  startedAt?: string;
  /** From the stop request to the confirmed restart, as the workflow saw it. */
  downtimeMs?: number;
  /** What the plan expected that downtime to be (ExportPlan.downtime, for the run's strategy). */
  estimatedDowntimeMs?: number;
  /** Last error while restarting, shown to ops as needing attention. */
  lastError?: string;
  /** Other runs that still hold the server stopped after this one released it (P4). */
  heldBy?: string[];
}

/** An ECS job that ended FAIL; the run acted on its servers again. */
export interface JobFailure {
  jobId: string;
  errorCode: string | null;
  failReason: string | null;
  serverIds: string[];
  at: string;
}

export interface ExportProgress {
  phase: Phase;
  volumeId: string;
  imageName: string;
  imageId?: string;
  imageStatus?: string;
  plan?: ExportPlan;
  servers: ServerReport[];
  startedAt: string;
  updatedAt: string;
  /** Set once approved (when `requireApproval`). */
  approvedBy?: string;
  /** Set while the run waits for its admission before stopping servers (EVS_EXPORT_ADMISSION); its servers still run. */
  awaitingAdmission?: boolean;
  /** Human-readable items needing attention (e.g. a server that will not start). */
  attention: string[];
  /** Stop/start jobs that failed and were retried. */
  jobFailures: JobFailure[];
  /** Snapshot strategy: the snapshot and the temporary disk. */
  temporary?: TemporaryResources;
  error?: string;
}

export interface ExportDiskResult {
  /** One line for people: the image and each server's downtime. */
  summary?: string;
  volumeId: string;
  imageId: string;
  imageName: string;
  imageStatus: string;
  /** The export request found already in flight (lost response or worker crash) and adopted, not repeated. */
  adopted: boolean;
  servers: ServerReport[];
  startedAt: string;
  finishedAt: string;
  /** Cloud API calls made by this run's activities, per operation. */
  apiCalls: CallCounts;
  /** Stop/start jobs that failed and were retried. */
  jobFailures: JobFailure[];
  strategy: Strategy;
  /** Snapshot strategy: the snapshot and the temporary disk, with when each was created and deleted. */
  temporary?: TemporaryResources;
}

export interface ApproveInput {
  /** Who approves; shown in progress and history. */
  by?: string;
}

// ---- Scheduled exports (golden-image builds)

export const SCHEDULED_EXPORT_WORKFLOW_TYPE = 'scheduledExport';

export interface ScheduledExportInput {
  /** `imageName` is a template (name-template.ts: `{volumeName}`, `{date}`, …) rendered from the scheduled time, UTC. */
  export?: ExportDiskInput;
  /**
   * A whole-server build instead of `export`: `imageNamePrefix` is the template (`{serverName}`,
   * `{scheduleId}` and the time fields); each disk's image is `<prefix>-<device>`.
   */
  serverExport?: ExportServerInput;
  /** When an export of the disk is already running: `fail` (default) or `skip`. */
  ifRunning?: 'fail' | 'skip';
  /** The schedule, for the lineage tag; default: the schedule that started this run (`TemporalScheduledById`). */
  scheduleId?: string;
  /** Retention after a successful build: keep the newest N images of the lineage. */
  keep?: number;
  /** Retention reports what it would delete and deletes nothing. */
  dryRun?: boolean;
  /** Pause the schedule after a failed build. */
  pauseOnFailure?: boolean;
}

export type ScheduledExportResult =
  | { skipped: false; result: ExportDiskResult; imageName?: string; retention?: RetentionOutcome }
  | { skipped: false; serverResult: ExportServerResult; imageName: string; retention?: RetentionOutcome; result?: undefined }
  | { skipped: true; runningWorkflowId: string };

/** What retention did after a successful build (`keep` set). */
export interface RetentionOutcome {
  kept: string[];
  deleted: string[];
  skipped: { imageId: string; name: string; reason: string }[];
  dryRun: boolean;
}

/** The tool's version, in the lineage tags of scheduled images (a unit test keeps it equal to package.json's). */
export const TOOL_VERSION = '0.3.0';

/** Lineage tags (IMS tag rules: letters, digits, `_`, `-`). */
export const lineageTag = {
  schedule: (scheduleId: string) => `evs-export-schedule-${scheduleId}`,
  server: (serverId: string) => `evs-export-server-${serverId}`,
  run: (runId: string) => `evs-export-run-${runId}`,
  version: () => `evs-export-version-${TOOL_VERSION.replace(/\./g, '_')}`,
};

// ---- Whole-server export: every disk of a server as one consistent set.

export const EXPORT_SERVER_WORKFLOW_TYPE = 'exportServerDisks';

export function exportServerWorkflowId(serverId: string): string {
  return `export-server-${serverId}`;
}

export function isServerExportWorkflowId(workflowId: string): boolean {
  return workflowId.startsWith('export-server-');
}

export interface ExportServerInput {
  serverId: string;
  /** Images are named `<prefix>-<device>` (e.g. `web-1-vda`); default: the server's name. */
  imageNamePrefix?: string;
  diskFormat?: DiskFormat;
  containerFormat?: ContainerFormat;
  osType?: OsType;
  stopType?: StopType;
  leaveServersStopped?: boolean;
  deadlines?: Deadlines;
  /** Added to every image, besides the set tag. */
  tags?: string[];
  /** As for one disk: `snapshot` restarts the servers once every disk's snapshot is taken. */
  strategy?: Strategy;
  stopServers?: boolean;
}

export interface ServerDiskPlan {
  volumeId: string;
  volumeName: string;
  device: string | null;
  bootable: boolean;
  sizeGb: number;
  imageName: string;
}

export interface ExportServerPlan {
  serverId: string;
  serverName: string;
  disks: ServerDiskPlan[];
  /** Every server attached to any of the disks (shared disks bring their other servers). */
  servers: PlannedServer[];
  toStop: string[];
  deadlines: Required<Deadlines>;
}

export type ServerExportPhase =
  'validating' | 'planning' | 'stopping' | 'exporting' | 'restarting' | 'done' | 'compensating' | 'failed' | 'cancelled';

export interface ServerExportProgress {
  phase: ServerExportPhase;
  plan?: ExportServerPlan;
  servers: ServerReport[];
  disks: {
    volumeId: string;
    workflowId: string;
    state: 'pending' | 'running' | 'done' | 'failed';
    imageId?: string;
    error?: string;
    /** Snapshot strategy: the disk's snapshot is taken (its servers may run again once every disk's is). */
    snapshotTaken?: boolean;
  }[];
  attention: string[];
}

export interface ExportServerResult {
  serverId: string;
  /** Tag shared by the images of this set. */
  setTag: string;
  images: { volumeId: string; device: string | null; imageId: string; imageName: string; imageStatus: string; workflowId: string }[];
  servers: ServerReport[];
  startedAt: string;
  finishedAt: string;
  apiCalls: CallCounts;
}

// ---- Per-server holds (P4): one entity workflow per server, reference-counted by the runs that need it stopped.

export const HOLD_WORKFLOW_TYPE = 'serverHold';

export function holdWorkflowId(serverId: string): string {
  return `server-hold-${serverId}`;
}

/** Who holds: a workflow run. A run that ends without releasing is noticed and released by the hold. */
export interface Holder {
  workflowId: string;
  runId: string;
}

export type HoldStatus = 'idle' | 'stopping' | 'held' | 'starting';

export interface HoldView {
  serverId: string;
  status: HoldStatus;
  /** The server's state before the first current holder touched it; it is restarted only if it was running. */
  prior: 'running' | 'stopped' | null;
  /** `waiting`: a run waiting for its admission (EVS_EXPORT_ADMISSION), which stops nothing until another holder does. */
  holders: (Holder & { since: string; waiting?: boolean })[];
  stoppedAt?: string;
  startedAt?: string;
  /** Set when stopping failed; holders waiting for the stop get this error. */
  stopError?: string;
  /** A restart that keeps failing, and holders released because their run ended without releasing. */
  attention: string[];
  /** Stop/start jobs of this hold session that failed and were retried. */
  jobFailures: JobFailure[];
  /** Cloud API calls of this hold session (stop, then start), per operation. */
  apiCalls: CallCounts;
}

export interface AcquireRequest {
  holder: Holder;
  stopType?: StopType;
  /** How long the stop may take (the longest asked for wins). */
  stopMs?: number;
  /** How often the hold checks that its holders still run (the smallest asked for wins). */
  livenessCheckMs?: number;
  /**
   * The run waits for its admission: the hold takes it as a holder but does not stop the server for it; once
   * another holder has the server stopped (or stopping), it holds it like everyone else. Acquiring again without
   * it (the run was admitted) stops the server.
   */
  waiting?: boolean;
}

/** Signalled by the hold to each holder once the server is stopped for it (or could not be). */
export interface HeldServer {
  serverId: string;
  /** Set when the server could not be stopped; the holder fails (and releases). */
  stopError?: string;
  /** Running before the first holder touched it (so it will be restarted when the last one releases). */
  wasRunning: boolean;
  stoppedAt: string;
  jobFailures: JobFailure[];
  /** API calls the hold made to stop the server (counted by every run that holds it). */
  apiCalls: CallCounts;
}

export interface ReleaseRequest {
  holder: Holder;
  /** The operator chose to leave the server stopped (P2's exception). */
  leaveStopped?: boolean;
}

export type ReleaseOutcome = 'restarted' | 'was-stopped' | 'left-stopped' | 'held-by-others' | 'restarting' | 'restart-failing';

/** Outcomes after which the hold tells the releaser nothing more; `restart-failing` is repeated until it passes. */
export const FINAL_RELEASE_OUTCOMES: readonly ReleaseOutcome[] = ['restarted', 'was-stopped', 'left-stopped', 'held-by-others'];

/** Signalled by the hold to a run that released it: where the server stands for that run. */
export interface ReleaseResult {
  serverId: string;
  outcome: ReleaseOutcome;
  startedAt?: string;
  /** Other runs still holding the server. */
  heldBy: Holder[];
  lastError?: string;
  jobFailures: JobFailure[];
  /** API calls the hold made since the stop (the restart), when this answer is the last release. */
  apiCalls: CallCounts;
}

// Holder → hold: `acquire` (update-with-start, from an activity: it may have to start the hold) and `release`
// (a signal straight from the holder's workflow). Hold → holder: `serverStopping` (to a run waiting for its
// admission: the server is being stopped, for it too), `serverHeld` and `serverReleased` signals.
// Nobody blocks on another workflow: every wait is a workflow condition (P9).
export const acquireUpdate = defineUpdate<HoldView, [AcquireRequest]>('acquire');
export const releaseSignal = defineSignal<[ReleaseRequest]>('release');
export const heldSignal = defineSignal<[HeldServer]>('serverHeld');
export const stoppingSignal = defineSignal<[{ serverId: string }]>('serverStopping');
/** From a per-disk child of a whole-server snapshot export to its parent: this disk's snapshot is available. */
export const snapshotTakenSignal = defineSignal<[{ volumeId: string }]>('snapshotTaken');
export const releasedSignal = defineSignal<[ReleaseResult]>('serverReleased');
export const holdQuery = defineQuery<HoldView>('hold');

// ---- One server's stop or start, in steps that never wait inside an activity (activities/power.ts).

export type PowerTarget = 'SHUTOFF' | 'ACTIVE';

export type PowerSettled =
  /** `requestedAt`: when this step asked the cloud to act (absent when it found the server there or moving). */
  | { outcome: 'reached'; at: string; requestedAt?: string }
  | { outcome: 'job-failed'; failure: JobFailure; requestedAt?: string }
  /** Idle where it started and no job runs (patient stage): ask again. */
  | { outcome: 'idle' };

/** What the prompt stage of a stop or start hands to the patient stage. */
export interface PowerPending {
  jobId?: string;
  requestedAt?: string;
  /** A start that waits because a disk of the server is uploading (P1). */
  blocked: boolean;
}

/** `type` of the failure a wait activity ends a read with when the awaited state has not come (activities/poll.ts). */
export const WAIT_NOT_READY = 'NotReady';

export const progressQuery = defineQuery<ExportProgress>('progress');
export const serverExportProgressQuery = defineQuery<ServerExportProgress>('serverExportProgress');
export const approveUpdate = defineUpdate<ExportProgress, [ApproveInput]>('approve');

/** Custom search attributes; `evs-export setup` (and the dev stack) registers them. */
export const SA_VOLUME_ID = defineSearchAttributeKey('EvsVolumeId', SearchAttributeType.KEYWORD);
export const SA_PHASE = defineSearchAttributeKey('EvsPhase', SearchAttributeType.KEYWORD);
export const SA_IMAGE_ID = defineSearchAttributeKey('EvsImageId', SearchAttributeType.KEYWORD);
export const SA_SERVER_IDS = defineSearchAttributeKey('EvsServerIds', SearchAttributeType.KEYWORD_LIST);
export const SEARCH_ATTRIBUTES = [SA_VOLUME_ID, SA_PHASE, SA_IMAGE_ID, SA_SERVER_IDS] as const;

/**
 * ApplicationFailure `type` strings: callers and tests branch on these, never on message text. Each means one
 * thing; README "Failure types" says when each happens. Activities retry only CloudUnavailable (and the waits'
 * internal NotReady).
 */
export const FailureType = {
  /** The input breaks a rule; the message names the field and the value. Nothing was touched. */
  InvalidInput: 'InvalidInput',
  /** The disk or a server is in a state that cannot be exported now (P5). Nothing was touched. */
  NotExportable: 'NotExportable',
  /** The cloud refused a request (a 4xx, an authentication failure) with its own message; it would refuse again. */
  CloudRejected: 'CloudRejected',
  /** The cloud throttled or failed transiently (429, 5xx, no answer) until the step's retries ran out. */
  CloudUnavailable: 'CloudUnavailable',
  /** An ECS stop or start job ended FAIL three times (or the server is in ERROR); carries error_code and fail_reason. */
  JobFailed: 'JobFailed',
  /** The image ended `killed` or `deleted`, or disappeared: the upload failed in the cloud. */
  ImageFailed: 'ImageFailed',
  /** The disk turned to `error` during the export. */
  VolumeFailed: 'VolumeFailed',
  /** An export of the disk is already running (P4); the message names the running workflow. */
  AlreadyRunning: 'AlreadyRunning',
  /** A step did not finish within its deadline (P6); the message names the deadline and its value. */
  DeadlineExceeded: 'DeadlineExceeded',
  /** A server that was running did not run again within the start deadline; its hold keeps trying. */
  RestartFailed: 'RestartFailed',
  /** Some disks of a whole-server export could not be exported; the images that were made are in the details. */
  PartialExport: 'PartialExport',
  /** The worker cannot do this step as configured (no Temporal client, no endpoint for a service). */
  WorkerMisconfigured: 'WorkerMisconfigured',
  /** An `approve` update refused by its validator: the run is not awaiting approval (the run itself goes on). */
  NothingToApprove: 'NothingToApprove',
  /** The cloud refused to create the snapshot or the temporary disk: a quota (EVS.5413) is exhausted. */
  QuotaExceeded: 'QuotaExceeded',
  /** The snapshot, or the temporary disk made from it, ended in `error`; the message names which. */
  SnapshotFailed: 'SnapshotFailed',
  /** The Temporal service did not answer a hold's request, or answered that it could not now, until the step's retries ran out. */
  TemporalUnavailable: 'TemporalUnavailable',
  /** Something nobody expected: a bug, or an answer from the cloud the client cannot read. Not retried. */
  Unexpected: 'Unexpected',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures an activity is not retried after. */
export const NON_RETRYABLE_TYPES: string[] = [
  FailureType.AlreadyRunning,
  FailureType.InvalidInput,
  FailureType.NotExportable,
  FailureType.CloudRejected,
  FailureType.ImageFailed,
  FailureType.VolumeFailed,
  FailureType.QuotaExceeded,
  FailureType.SnapshotFailed,
  FailureType.WorkerMisconfigured,
  FailureType.Unexpected,
];
