// EVS wire bodies (cloud-api.md §3.1, §3.3) from the model's records.
// Not rendered: native-API extras (service_type, tags, wwn, dedicated_storage_*, enterprise_project_id),
// microversion extras (group_id, provider_id, service_uuid, shared_targets, cluster_name, volume_type_id…).
import type { ExportRequest } from '../model/exports';
import type { ImageRec, VolumeRec } from '../model/records';
import type { World } from '../model/world';
import { cinderTime } from '../time';

const AZ = 'eu-de-01';
const VOLUME_TYPE = 'SSD';
const VOLUME_TYPE_ID = '8247b6ed-37f0-4c48-8ef1-f0027fb332bc';

export function renderVolume(w: World, v: VolumeRec, base = ''): Record<string, unknown> {
  const self = `${base}/evs/v2/${w.account.projectId}/volumes/${v.id}`;
  return {
    id: v.id,
    name: v.name,
    status: v.status,
    size: v.size,
    availability_zone: AZ,
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
    metadata: v.attachments.length ? { attached_mode: 'rw', readonly: 'False', 'hw:passthrough': 'false' } : {},
    volume_image_metadata: v.volumeImageMetadata ? { ...v.volumeImageMetadata } : null,
    volume_type: VOLUME_TYPE,
    description: '',
    created_at: cinderTime(v.createdAt),
    updated_at: cinderTime(v.updatedAt),
    links: [
      { href: self, rel: 'self' },
      { href: self, rel: 'bookmark' },
    ],
    user_id: w.account.userId,
    'os-vol-tenant-attr:tenant_id': w.account.projectId,
    'os-vol-host-attr:host': `${AZ}#${VOLUME_TYPE}`,
    'os-vol-mig-status-attr:migstat': null,
    'os-vol-mig-status-attr:name_id': null,
    'os-volume-replication:extended_status': null,
    replication_status: 'disabled',
    snapshot_id: null,
    source_volid: null,
    consistencygroup_id: null,
    storage_cluster_id: null,
  };
}

/** The 202 body of `os-volume_upload_image` (§3.3, same field set as the OTC and gophertelekomcloud samples). */
export function renderUpload(v: VolumeRec, image: ImageRec, req: ExportRequest): Record<string, unknown> {
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
          volume_backend_name: VOLUME_TYPE,
          'availability-zone': AZ,
          'HW:availability_zone': AZ,
          'RESKEY:availability_zones': AZ,
        },
        is_public: true,
        deleted_at: null,
        id: VOLUME_TYPE_ID,
        name: VOLUME_TYPE,
      },
      container_format: req.containerFormat,
      disk_format: req.diskFormat,
      display_description: '',
      updated_at: cinderTime(v.updatedAt),
    },
  };
}
