// The world's resources as the simulator stores them (times in epoch ms). Wire shapes are rendered from these
// by each service; nothing here knows about HTTP.

export interface ServerRec {
  id: string;
  name: string;
  /** OS-EXT-STS:vm_state; `status` is derived from this and taskState (server-status.ts). */
  vmState: string;
  taskState: string | null;
  /** 1 running, 4 shutdown, 0 nostate. */
  powerState: number;
  locked: boolean;
  /** The image it booted from (`image.id`); null when it booted from a disk (ECS renders `image: ""`). */
  imageId: string | null;
  created: number;
  updated: number;
}

export interface AttachmentRec {
  serverId: string;
  attachmentId: string;
  device: string;
  attachedAt: number;
}

export interface VolumeRec {
  id: string;
  name: string;
  size: number;
  status: string;
  multiattach: boolean;
  bootable: boolean;
  /** Sim-only lock (SDRS / admin lock): exports are refused with EVS.2068. */
  locked: boolean;
  volumeImageMetadata: Record<string, string> | null;
  attachments: AttachmentRec[];
  availabilityZone: string;
  volumeType: string;
  description: string | null;
  /** User metadata; the attachment keys are rendered on top. */
  metadata: Record<string, string>;
  /** The snapshot it was created from. */
  snapshotId: string | null;
  /** Seeded by the admin API or created through the cloud API (the oracle's leftovers are the latter). */
  origin: 'seed' | 'api';
  createdAt: number;
  updatedAt: number;
}

export type SnapshotStatus = 'creating' | 'available' | 'error' | 'deleting';

/** An EVS snapshot; every one is created through the API. */
export interface SnapshotRec {
  id: string;
  name: string;
  description: string | null;
  status: SnapshotStatus;
  /** GB: the source disk's size. */
  size: number;
  volumeId: string;
  metadata: Record<string, string>;
  /** What a disk made from it inherits (Cinder): the source's bootable flag, and its image metadata if bootable. */
  sourceBootable: boolean;
  volumeImageMetadata: Record<string, string> | null;
  availabilityZone: string;
  volumeType: string;
  /** Cinder's: `0%` until available, then `100%`. */
  progress: '0%' | '100%';
  createdAt: number;
  updatedAt: number;
}

/** An EVS job: the native disk creation (`cloudvolumes`) answers with one. */
export interface EvsJobRec {
  id: string;
  type: 'createVolume';
  volumeId: string;
  begin: number;
  /** The job reads INIT until then. */
  initUntil: number;
  status: 'RUNNING' | 'SUCCESS' | 'FAIL';
  end: number | null;
  errorCode: string | null;
  failReason: string | null;
}

export type ImageVisibility = 'private' | 'shared' | 'public';
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

/** A project an image is shared with (Glance image member). */
export interface MemberRec {
  memberId: string;
  status: MemberStatus;
  createdAt: number;
  updatedAt: number;
}

export interface ImageRec {
  id: string;
  name: string;
  owner: string;
  status: 'queued' | 'saving' | 'active' | 'killed';
  /** A protected image cannot be deleted (IMS image attributes). */
  protected: boolean;
  visibility: ImageVisibility;
  members: MemberRec[];
  diskFormat: string;
  containerFormat: string;
  /** `__os_type` as IMS spells it: Linux | Windows. */
  osType: string;
  minDisk: number;
  tags: string[];
  /** The exported disk; null for a seeded image. */
  volumeId: string | null;
  /** Seeded by the admin API or created by an export (only the latter can be an oracle orphan). */
  origin: 'seed' | 'api';
  /** From the source disk: system-disk images are FusionCompute, data-disk images DataImage. */
  bootable: boolean;
  createdAt: number;
  updatedAt: number;
  activeAt: number | null;
}

export type SubJobStatus = 'RUNNING' | 'SUCCESS' | 'FAIL';

export interface SubJobRec {
  id: string;
  serverId: string;
  status: SubJobStatus;
  begin: number;
  end: number | null;
  errorCode: string | null;
  failReason: string | null;
}

export interface JobRec {
  id: string;
  action: 'stop' | 'start';
  begin: number;
  /** The job reads INIT until then. */
  initUntil: number;
  subJobs: SubJobRec[];
}

export interface TokenRec {
  token: string;
  projectId: string | null;
  domainScoped: boolean;
  issuedAt: number;
  expiresAt: number;
}

/** One accepted `os-volume_upload_image` (the oracle's unit of account). */
export interface ExportRec {
  volumeId: string;
  imageId: string;
  imageName: string;
  force: boolean;
  requestedAt: number;
  uploadEndedAt: number | null;
  failed: boolean;
}
