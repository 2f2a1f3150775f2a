// EVS wire bodies (cloud-api.md §3.1, §3.3, §3.8) from the model's records.
// Not rendered: native-API extras (service_type, tags, wwn, dedicated_storage_*, enterprise_project_id),
// microversion extras (group_id, provider_id, service_uuid, shared_targets, cluster_name, volume_type_id…).
import { evsJobStatus } from '../model/evs-jobs';
import type { ExportRequest } from '../model/exports';
import type { EvsJobRec, ImageRec, SnapshotRec, VolumeRec } from '../model/records';
import type { World } from '../model/world';
import { cinderTime, millisZ } from '../time';

const VOLUME_TYPE_ID = '8247b6ed-37f0-4c48-8ef1-f0027fb332bc';

const links = (self: string) => [
  { href: self, rel: 'self' },
  { href: self, rel: 'bookmark' },
];

const volumeSelf = (w: World, v: VolumeRec, base: string) => `${base}/evs/v2/${w.account.projectId}/volumes/${v.id}`;

export function renderVolume(w: World, v: VolumeRec, base = ''): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    status: v.status,
    size: v.size,
    availability_zone: v.availabilityZone,
    // One entry per (server, attachment); `id` repeats the volume id as in every recorded example.
    attachments: v.attachments.map((a) => ({
      server_id: a.serverId,
      attachment_id: a.attachmentId,
      attached_at: cinderTime(a.attachedAt),
      host_name: null,
      volume_id: v.id,
      device: a.device,
      id: v.id,
    })),
    bootable: v.bootable ? 'true' : 'false',
    encrypted: false,
    multiattach: v.multiattach,
    shareable: v.multiattach,
    metadata: { ...v.metadata, ...(v.attachments.length ? { attached_mode: 'rw', readonly: 'False', 'hw:passthrough': 'false' } : {}) },
    volume_image_metadata: v.volumeImageMetadata ? { ...v.volumeImageMetadata } : null,
    volume_type: v.volumeType,
    description: v.description,
    created_at: cinderTime(v.createdAt),
    updated_at: cinderTime(v.updatedAt),
    links: links(volumeSelf(w, v, base)),
    user_id: w.account.userId,
    'os-vol-tenant-attr:tenant_id': w.account.projectId,
    'os-vol-host-attr:host': `${v.availabilityZone}#${v.volumeType}`,
    'os-vol-mig-status-attr:migstat': null,
    'os-vol-mig-status-attr:name_id': null,
    'os-volume-replication:extended_status': null,
    replication_status: 'disabled',
    snapshot_id: v.snapshotId,
    source_volid: null,
    consistencygroup_id: null,
    storage_cluster_id: null,
  };
}

/** `GET …/volumes` (the summary list): id, name, links. */
export function renderVolumeSummary(w: World, v: VolumeRec, base = ''): Record<string, unknown> {
  return { id: v.id, name: v.name, links: links(volumeSelf(w, v, base)) };
}

/**
 * A snapshot as each call shows it: `create` (the POST answer and the summary list, as their examples), or `detail`
 * (GET one, `detail` list), which adds the `os-extended-snapshot-attributes` pair. Progress is Cinder's: `0%` until
 * the snapshot is available.
 */
export function renderSnapshot(w: World, s: SnapshotRec, view: 'create' | 'detail'): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    description: s.description,
    status: s.status,
    size: s.size,
    volume_id: s.volumeId,
    metadata: { ...s.metadata },
    created_at: cinderTime(s.createdAt),
    updated_at: cinderTime(s.updatedAt),
  };
  if (view === 'create') return body;
  return {
    ...body,
    'os-extended-snapshot-attributes:progress': s.progress,
    'os-extended-snapshot-attributes:project_id': w.account.projectId,
  };
}

/** `GET /v1/{project_id}/jobs/{job_id}` of an EVS job (the page's RUNNING example: entities carry `volume_id`). */
export function renderEvsJob(w: World, job: EvsJobRec): Record<string, unknown> {
  const status = evsJobStatus(w, job);
  const done = status === 'SUCCESS' || status === 'FAIL';
  return {
    status,
    entities: { volume_id: job.volumeId },
    job_id: job.id,
    job_type: job.type,
    begin_time: millisZ(job.begin),
    end_time: done && job.end !== null ? millisZ(job.end) : '',
    error_code: status === 'FAIL' ? job.errorCode : null,
    fail_reason: status === 'FAIL' ? job.failReason : null,
  };
}

/** The 202 body of `os-volume_upload_image` (§3.3, same field set as the OTC and gophertelekomcloud samples). */
export function renderUpload(v: VolumeRec, image: ImageRec, req: ExportRequest): Record<string, unknown> {
  const az = v.availabilityZone;
  return {
    'os-volume_upload_image': {
      status: 'uploading',
      size: v.size,
      id: v.id,
      image_id: image.id,
      image_name: image.name,
      volume_type: {
        description: null,
        deleted: false,
        created_at: '2015-05-24T14:47:22.132268',
        updated_at: '2017-07-29T11:29:33.730076',
        extra_specs: {
          volume_backend_name: v.volumeType,
          'availability-zone': az,
          'HW:availability_zone': az,
          'RESKEY:availability_zones': az,
        },
        is_public: true,
        deleted_at: null,
        id: VOLUME_TYPE_ID,
        name: v.volumeType,
      },
      container_format: req.containerFormat,
      disk_format: req.diskFormat,
      display_description: '',
      updated_at: cinderTime(v.updatedAt),
    },
  };
}
