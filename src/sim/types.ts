// Types of the simulator's admin surface (`/__sim/*` and the in-process `SimHandle`). Tests, benchmarks and
// the dev stack program against these; the cloud-facing wire shapes live in each service's render.ts.

export type ServerSeedStatus = 'ACTIVE' | 'SHUTOFF' | 'ERROR';

export interface SeedServer {
  id?: string;
  name: string;
  status?: ServerSeedStatus;
  taskState?: string | null;
  locked?: boolean;
  /** The image it booted from: an image's id or (unique) name in this seed or the world, or any other id (an
   * image the sim does not hold); `''` = booted from a disk (`image: ""`). Default: a random id. */
  image?: string;
}

export type SeedImageStatus = 'queued' | 'saving' | 'active' | 'killed';

/** A project an image is shared with; a bare string is an `accepted` member. */
export type SeedMember = string | { id: string; status?: 'pending' | 'accepted' | 'rejected' };

export interface SeedImage {
  id?: string;
  name: string;
  tags?: string[];
  /** Default false; a protected image cannot be deleted (IMG.0028). */
  protected?: boolean;
  /** Default `shared` when it has members, else `private`. */
  visibility?: 'private' | 'shared' | 'public';
  members?: SeedMember[];
  /** ISO 8601; default now. `updated_at` and `active_at` are the same. */
  createdAt?: string;
  /** Default `active`. Seeded images never change status by themselves. */
  status?: SeedImageStatus;
  /** Project id; default the account's. Images of other projects are seen only if public or shared with it. */
  owner?: string;
  /** Default true: a system-disk image (FusionCompute); false a data-disk image (DataImage). */
  bootable?: boolean;
  /** Default 40 (GB). */
  minDisk?: number;
}

export interface SeedVolume {
  id?: string;
  name: string;
  size: number;
  /** Default: `in-use` if attached, else `available`. */
  status?: string;
  multiattach?: boolean;
  bootable?: boolean;
  /** Server ids or names; more than one requires `multiattach`. */
  attachedTo?: string[];
  /** Sim-only: models an SDRS / lock flag (export refused with EVS.2068). */
  locked?: boolean;
  /** Image properties (`__os_type`, `image_id`, …), as a system disk made from an image carries them. */
  volumeImageMetadata?: Record<string, string> | null;
  /** Device on every attached server; default `/dev/vda` for bootable disks, else the next free `/dev/vdX`. */
  device?: string;
  /** Default `eu-de-01`. */
  availabilityZone?: string;
  /** `SSD` (default), `SAS`, `SATA`, `GPSSD` or `ESSD`. */
  volumeType?: string;
  description?: string;
  /** User metadata (string values). */
  metadata?: Record<string, string>;
}

/** Images are made first, then servers (which may name them), then disks. */
export interface SeedSpec {
  images?: SeedImage[];
  servers?: SeedServer[];
  volumes?: SeedVolume[];
}

export interface SeedResult {
  images: { id: string; name: string }[];
  servers: { id: string; name: string }[];
  volumes: { id: string; name: string }[];
}

export interface PatchSpec {
  status?: string;
  taskState?: string | null;
  locked?: boolean;
}

/** Milliseconds; `null` = manual (the transition waits for `POST /__sim/advance`). */
export interface Timings {
  stopMs: number | null;
  hardStopMs: number | null;
  startMs: number | null;
  uploadBaseMs: number | null;
  uploadMsPerGb: number;
  imageActivateMs: number | null;
  killedImageTtlMs: number | null;
  /** How long a new ECS or EVS job reads `INIT`; `null` counts as 0. */
  jobInitMs: number | null;
  /** Snapshot `creating` → `available`: flat, as EVS snapshots are copy-on-write. */
  snapshotMs: number | null;
  /** Disk `creating` → `available`: base plus per GB. */
  volumeCreateBaseMs: number | null;
  volumeCreateMsPerGb: number;
  /** Snapshot or disk `deleting` → gone. */
  deleteMs: number | null;
}

/** Project quotas, counted over the resources that exist (seeded ones too); unset = unlimited. `gigabytes` counts
 * disks and snapshots, as EVS's quota does. */
export interface Quotas {
  volumes?: number;
  snapshots?: number;
  gigabytes?: number;
}

export interface SimConfig {
  timings: Timings;
  tokenTtlMs: number;
  quotas: Quotas;
  /**
   * Vanilla Cinder's `enable_force_upload` (the openstack dialect's `/volume/v3` export only; EVS always honours
   * `force`). Default false, Cinder's own default: a forced export of an `in-use` disk is then Cinder's 400.
   */
  allowForcedUpload: boolean;
}

export interface ConfigPatch {
  timings?: Partial<Timings>;
  tokenTtlMs?: number;
  /** A number sets a quota, `null` removes it. */
  quotas?: { [K in keyof Quotas]?: number | null };
  allowForcedUpload?: boolean;
}

export type TransitionKind = 'stop' | 'start' | 'upload' | 'image' | 'snapshot' | 'volume' | 'delete';
export const TRANSITION_KINDS: readonly TransitionKind[] = ['stop', 'start', 'upload', 'image', 'snapshot', 'volume', 'delete'];

export interface AdvanceRequest {
  kind: TransitionKind;
  /** Server id (stop/start), volume or image id (upload), image id (image), snapshot id (snapshot creation),
   * volume id (disk creation), snapshot or volume id (delete). */
  id: string;
}

export interface PendingTransition {
  kind: TransitionKind;
  id: string;
  since: string;
  /** Due time, or null when it waits for `/__sim/advance`. */
  dueAt: string | null;
}

export const OPS = [
  'keystone.token',
  'evs.getVolume',
  'evs.uploadImage',
  'evs.createSnapshot',
  'evs.getSnapshot',
  'evs.listSnapshots',
  'evs.deleteSnapshot',
  'evs.createVolume',
  'evs.listVolumes',
  'evs.deleteVolume',
  'evs.createVolumeNative',
  'evs.getJob',
  'ecs.getServer',
  'ecs.stop',
  'ecs.start',
  'ecs.getJob',
  'ecs.listServers',
  'ims.getImage',
  'ims.listImages',
  'ims.deleteImage',
  'ims.addTag',
  'ims.deleteTag',
  'ims.listMembers',
  // Nova's flavor detail (ecs/nova.ts), which `openstack server show` reads.
  'ecs.getFlavor',
  // Version discovery (versions.ts): what the OpenStack SDKs read first.
  'keystone.versions',
  'evs.versions',
  'ecs.versions',
  'ims.versions',
] as const;
export type OpName = (typeof OPS)[number];

/**
 * `conflict` (ecs.stop, ecs.start): someone else asks first — the server begins the same stop or start just before
 * this request, which then meets it mid-way and is refused (Nova 409 `… while it is in task_state powering-off`,
 * ECS `Ecs.0100`).
 */
export type FaultKind =
  'error' | 'throttle' | 'throttle-202' | 'lost-response' | 'delay' | 'job-fail' | 'upload-fail' | 'create-fail' | 'conflict';
export const FAULT_KINDS: readonly FaultKind[] = [
  'error',
  'throttle',
  'throttle-202',
  'lost-response',
  'delay',
  'job-fail',
  'upload-fail',
  'create-fail',
  'conflict',
];

export interface FaultRule {
  /** Operation name (see OPS) or '*'. */
  op: string;
  /** Resource id (volume/server/image/job) the request must concern. */
  target?: string;
  kind: FaultKind;
  status?: number;
  code?: string;
  message?: string;
  retryAfterSec?: number;
  delayMs?: number;
  /** Default 1; 0 = unlimited. */
  times?: number;
  /** Skip the first N matches. */
  after?: number;
  /** 0..1, drawn from the sim's seeded RNG. */
  probability?: number;
}

export interface StoredFault extends FaultRule {
  id: string;
  /** Requests that matched op/target so far (including skipped ones). */
  matched: number;
  /** Times the fault was applied. */
  applied: number;
}

export interface P1Violation {
  volumeId: string;
  imageId: string;
  serverId: string;
  at: string;
  serverStatus: string;
  taskState: string | null;
}

export interface ExportRecord {
  volumeId: string;
  imageId: string;
  imageName: string;
  force: boolean;
  requestedAt: string;
  uploadEndedAt: string | null;
  /** Current image status, or 'gone' once it no longer exists. */
  imageStatus: string;
}

export interface ServerTally {
  stops: number;
  starts: number;
  downtimeMs: number;
  downIntervals: { stoppedAt: string; startedAt: string | null }[];
}

export interface OracleReport {
  p1Violations: P1Violation[];
  exports: ExportRecord[];
  duplicateExports: { volumeId: string; imageName: string; imageIds: string[] }[];
  serversNotRestored: { serverId: string; name: string; baseline: 'ACTIVE'; now: string }[];
  servers: Record<string, ServerTally>;
  apiCalls: { total: number; byOp: Record<string, number> };
  orphanedImages: { imageId: string; name: string; status: string }[];
  /** Snapshots and disks created through the API (not seeded) that still exist, in any status. */
  leftovers: Leftover[];
}

export interface Leftover {
  kind: 'snapshot' | 'volume';
  id: string;
  name: string;
  status: string;
}

export type SimEventType =
  | 'server.stopping'
  | 'server.stopped'
  | 'server.starting'
  | 'server.started'
  | 'volume.uploading'
  | 'volume.released'
  | 'volume.created'
  | 'volume.available'
  | 'volume.error'
  | 'volume.deleting'
  | 'volume.deleted'
  | 'snapshot.created'
  | 'snapshot.available'
  | 'snapshot.error'
  | 'snapshot.deleting'
  | 'snapshot.deleted'
  | 'image.created'
  | 'image.saving'
  | 'image.active'
  | 'image.killed'
  | 'image.deleted'
  | 'job.created'
  | 'job.finished'
  | 'api.call'
  | 'fault.applied'
  | 'p1.violation'
  | 'admin.seed'
  | 'admin.patch'
  | 'admin.advance';

export interface SimEvent {
  seq: number;
  at: string;
  type: SimEventType;
  [detail: string]: unknown;
}

export interface SimAccount {
  userName: string;
  password: string;
  userDomainName: string;
  projectName: string;
  projectId: string;
  region: string;
  /** The user's permanent AK/SK pair: signed calls (cloud-api.md §2.2) must carry this AK and be signed with this SK. */
  accessKey: string;
  secretKey: string;
}

/** An image in `/__sim/state`: its Glance wire view (as its owner sees it) plus its members. */
export interface SimImageView {
  id: string;
  name: string;
  status: string;
  owner: string;
  visibility: 'private' | 'shared' | 'public';
  protected: boolean;
  tags: string[];
  created_at: string;
  members: { member_id: string; status: 'pending' | 'accepted' | 'rejected' }[];
  [field: string]: unknown;
}

/** What `/__sim/state` returns: the service views of every resource, plus pending transitions. */
export interface SimState {
  volumes: Record<string, unknown>[];
  servers: Record<string, unknown>[];
  images: SimImageView[];
  /** ECS jobs. */
  jobs: Record<string, unknown>[];
  snapshots: Record<string, unknown>[];
  /** EVS jobs (native disk creation). */
  evsJobs: Record<string, unknown>[];
  pending: PendingTransition[];
}

/**
 * Which cloud the simulator plays: `otc` (Open Telekom Cloud / Huawei Cloud: a catalog with EVS, ECS, IMS) or
 * `openstack` (a vanilla catalog: identity, volumev3/block-storage, compute, image — Cinder v3, Nova v2.1, Glance
 * v2). Both dialects' routes are served on one world; the dialect chooses the catalog, the token's extras and the
 * account's defaults (src/sim/openstack/).
 */
export type SimDialect = 'otc' | 'openstack';

/** The in-process twin of the admin API; every `/__sim` route calls one of these. */
export interface SimHandle {
  readonly account: SimAccount;
  readonly dialect: SimDialect;
  reset(o?: { seed?: number }): void;
  seed(spec: SeedSpec): SeedResult;
  patchServer(id: string, patch: PatchSpec): Record<string, unknown>;
  patchVolume(id: string, patch: PatchSpec): Record<string, unknown>;
  state(): SimState;
  config(): SimConfig;
  setConfig(patch: ConfigPatch): SimConfig;
  advance(req: AdvanceRequest): PendingTransition;
  addFault(rule: FaultRule): { id: string };
  faults(): StoredFault[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  oracle(): OracleReport;
  rebaseline(): void;
  events(since?: number): SimEvent[];
  /** Every token Keystone issued since the last reset (tests search histories and logs for them, P7). */
  tokens(): string[];
}
