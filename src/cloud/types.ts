import type { OpName } from './ops';
import type { CinderDiskFormat, Profile } from './profile';
import type { ApiBudget, Priority } from './ratelimit';

// The typed surface of the cloud client that activities program against. Field meanings and wire names
// are in docs/cloud-api.md (section numbers cited per type); parsers live next to each
// service in src/cloud/<service>/results.ts.

export interface CallOptions {
  /** Aborts the request (activity cancellation passes `cancellationSignal()` here). */
  signal?: AbortSignal;
  /** Lane in the API budget: `urgent` requests (a restart's) go before `normal` ones (P9). Default `normal`. */
  priority?: Priority;
  /** Called once per HTTP attempt with its operation name (retries count): an activity's cost figures. */
  onAttempt?: (op: OpName) => void;
  /**
   * The caller took this request's token from the budget itself (`budget().take`), to decide what to send only
   * once it may go out (shared-reads.ts): the first attempt takes none. Retries take theirs.
   */
  prepaid?: boolean;
}

/** EVS disk attachment, one per (server, attachment) — §3.1. */
export interface VolumeAttachment {
  serverId: string;
  attachmentId: string;
  device: string | null;
  attachedAt: string | null;
  hostName: string | null;
}

/** EVS disk detail — §3.1, §3.2 (status values). `bootable` arrives as the string "true"/"false". */
export interface Volume {
  id: string;
  name: string;
  status: string;
  size: number;
  multiattach: boolean;
  bootable: boolean;
  attachments: VolumeAttachment[];
  volumeImageMetadata: Record<string, unknown> | null;
  metadata: Record<string, string>;
  availabilityZone: string | null;
  volumeType: string | null;
  updatedAt: string | null;
}

import type { ContainerFormat, DiskFormat, OsType, StopType } from '../formats';
export type { ContainerFormat, DiskFormat, OsType, StopType };
export type { CinderDiskFormat, Profile };

/** EVS snapshot — §3.8. */
export interface Snapshot {
  id: string;
  name: string;
  /** `creating`, `available`, `error`, `deleting`, `error_deleting`, … */
  status: string;
  size: number;
  volumeId: string | null;
  metadata: Record<string, string>;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface CreateSnapshotOpts {
  volumeId: string;
  name: string;
  /** Needed for an `in-use` disk. */
  force: boolean;
  description?: string;
  metadata?: Record<string, string>;
}

/** A disk created from a snapshot — §3.8. */
export interface CreateVolumeOpts {
  name: string;
  sizeGb: number;
  snapshotId?: string;
  availabilityZone?: string | null;
  volumeType?: string | null;
  description?: string;
  metadata?: Record<string, string>;
}

/**
 * `os-volume_upload_image` request — §3.3. The openstack profile (§6.5) sends `force` only when true, never
 * `osType`, and takes only Cinder's disk formats (an OTC-only one is refused before sending).
 */
export interface UploadImageOpts {
  imageName: string;
  force: boolean;
  diskFormat?: DiskFormat | CinderDiskFormat;
  containerFormat?: ContainerFormat;
  /** Sent as `__os_type` (otc profile only: vanilla Cinder refuses unknown keys). */
  osType?: OsType;
}

/** `os-volume_upload_image` 202 response — §3.3. */
export interface UploadImageResult {
  volumeId: string;
  imageId: string;
  imageName: string;
  status: string;
  size: number;
  diskFormat: string | null;
  containerFormat: string | null;
}

/** ECS server detail — §4.1, status derivation §4.2. */
export interface Server {
  id: string;
  name: string;
  status: string;
  vmState: string | null;
  taskState: string | null;
  powerState: number | null;
  locked: boolean;
  fault: { message: string; code: number | string | null } | null;
  /** The image it booted from; null for a server that boots from a disk (its disk's image metadata names one). */
  imageId: string | null;
  volumesAttached: { id: string; device: string | null; bootIndex: string | null }[];
}

export type JobStatus = 'INIT' | 'RUNNING' | 'SUCCESS' | 'FAIL';

/** ECS job — §4.4. */
export interface SubJob {
  jobId: string;
  status: JobStatus;
  jobType: string | null;
  serverId: string | null;
  errorCode: string | null;
  failReason: string | null;
}

export interface Job {
  jobId: string;
  status: JobStatus;
  jobType: string | null;
  beginTime: string | null;
  endTime: string | null;
  errorCode: string | null;
  failReason: string | null;
  subJobs: SubJob[];
}

/** IMS / Glance v2 image — §5.1. */
export interface Image {
  id: string;
  name: string;
  status: string;
  owner: string | null;
  visibility: string | null;
  tags: string[];
  diskFormat: string | null;
  containerFormat: string | null;
  minDisk: number | null;
  createdAt: string | null;
  updatedAt: string | null;
  /** OTC `__data_origin`, e.g. `volume,<volume_id>` for an image exported from a disk (§5.1); null elsewhere. */
  dataOrigin: string | null;
  /** Glance `protected`: the image cannot be deleted until it is unset. */
  protected: boolean;
}

/** Glance image member (§5): another project the image is shared with. */
export interface ImageMember {
  memberId: string;
  status: string;
}

export interface ImageFilter {
  name: string;
  owner?: string;
}

export interface TagFilter {
  /** Images carrying every one of these tags. */
  tags: string[];
  owner?: string;
}

export interface EvsApi {
  getVolume(volumeId: string, o?: CallOptions): Promise<Volume>;
  uploadImage(volumeId: string, opts: UploadImageOpts, o?: CallOptions): Promise<UploadImageResult>;
  /** Exact-name match (the run's deterministic names find what a lost answer created). */
  findVolumes(name: string, o?: CallOptions): Promise<Volume[]>;
  createVolume(opts: CreateVolumeOpts, o?: CallOptions): Promise<Volume>;
  deleteVolume(volumeId: string, o?: CallOptions): Promise<void>;
  /** Every disk of the project, all pages. */
  listVolumes(o?: CallOptions): Promise<Volume[]>;
  /** Every disk of the project in this status (`?status=`), all pages: one read for many waits. */
  listVolumesIn(status: string, o?: CallOptions): Promise<Volume[]>;
  getSnapshot(snapshotId: string, o?: CallOptions): Promise<Snapshot>;
  findSnapshots(name: string, o?: CallOptions): Promise<Snapshot[]>;
  createSnapshot(opts: CreateSnapshotOpts, o?: CallOptions): Promise<Snapshot>;
  deleteSnapshot(snapshotId: string, o?: CallOptions): Promise<void>;
}

/**
 * Servers and their power. With the openstack profile this is Nova (§6.5): one `os-stop`/`os-start` per server and a
 * job id the client makes up (naming the servers, the action and when it was asked), which `getJob` answers by
 * reading the servers — so the activities drive both clouds the same way.
 */
export interface EcsApi {
  getServer(serverId: string, o?: CallOptions): Promise<Server>;
  /** Batch `os-stop`; returns the job id — §4.3 (openstack: §6.5; Nova has no forced stop, HARD stops as SOFT). */
  stopServers(serverIds: string[], type: StopType, o?: CallOptions): Promise<string>;
  /** Batch `os-start`; returns the job id — §4.3. */
  startServers(serverIds: string[], o?: CallOptions): Promise<string>;
  getJob(jobId: string, o?: CallOptions): Promise<Job>;
  /** Every server of the project, all pages. */
  listServers(o?: CallOptions): Promise<Server[]>;
}

export interface ImsApi {
  getImage(imageId: string, o?: CallOptions): Promise<Image>;
  /** Exact-name match, all pages — §5.2. */
  findImages(filter: ImageFilter, o?: CallOptions): Promise<Image[]>;
  /** Images with all these tags, all pages, newest first. */
  findImagesByTags(filter: TagFilter, o?: CallOptions): Promise<Image[]>;
  /** Every image the project owns, all pages, oldest first (§5.6): one read for many names' lookups. */
  listOwnImages(owner: string, o?: CallOptions): Promise<Image[]>;
  listMembers(imageId: string, o?: CallOptions): Promise<ImageMember[]>;
  deleteImage(imageId: string, o?: CallOptions): Promise<void>;
  addTag(imageId: string, tag: string, o?: CallOptions): Promise<void>;
}

export interface CloudApi {
  /** Project the token is scoped to (image owner for our exports). */
  projectId(o?: CallOptions): Promise<string>;
  /** The API dialect: configured, else detected from the Keystone catalog (§6.5); authenticates if needed. */
  profile(o?: CallOptions): Promise<Profile>;
  evs: EvsApi;
  ecs: EcsApi;
  ims: ImsApi;
  /** API calls made so far, per operation (e.g. `evs.getVolume`), for the result's cost figures. */
  callCounts(): Record<string, number>;
  /** The API budget this client's calls pass through (ratelimit.ts): its rate now, this worker's share. */
  budget(): ApiBudget;
  /** The same client with these options applied to every call (an activity's signal, lane and counter). */
  withOptions(o: CallOptions): CloudApi;
  close(): Promise<void>;
}
