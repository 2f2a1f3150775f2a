// EVS / Cinder response parsers (§3.1, §3.3, §3.7, §6), tolerant of the documented quirks (§8.10): `bootable`
// as a string, `multiattach`/`shareable` as bool or string, zoneless timestamps, `volume_type` as a name (GET)
// or an object (upload response).
import type { Snapshot, UploadImageResult, Volume, VolumeAttachment } from '../types';
import { array, bool, envelope, isObj, optNum, optStr, reqStr, stringMap, time, type Obj } from '../parse';

/** `GET …/volumes/{id}` → `{"volume":{…}}`. */
export function parseVolume(body: unknown): Volume {
  return toVolume(envelope(body, 'volume'));
}

export function toVolume(v: Obj): Volume {
  return {
    id: reqStr(v, 'id', 'volume'),
    name: nameOf(v),
    status: reqStr(v, 'status', 'volume'),
    size: optNum(v.size) ?? 0,
    // `shareable` is the deprecated name of `multiattach` (§3.1); read it only when multiattach is absent.
    multiattach: v.multiattach !== undefined && v.multiattach !== null ? bool(v.multiattach) : bool(v.shareable),
    bootable: bool(v.bootable),
    attachments: array(v.attachments).filter(isObj).map(toAttachment),
    volumeImageMetadata: isObj(v.volume_image_metadata) ? v.volume_image_metadata : null,
    metadata: stringMap(v.metadata),
    availabilityZone: optStr(v.availability_zone),
    volumeType: typeof v.volume_type === 'string' ? optStr(v.volume_type) : isObj(v.volume_type) ? optStr(v.volume_type.name) : null,
    updatedAt: time(v.updated_at),
  };
}

/**
 * `name`, else the Cinder v1 `display_name` — what an endpoint of catalog type `volume` (the last one tried, §1.1)
 * may answer with (gophertelekomcloud `evs/v1` fixtures; cloud-api.md "Differences found against upstream fixtures").
 */
function nameOf(v: Obj): string {
  return optStr(v.name) ?? optStr(v.display_name) ?? '';
}

function toAttachment(a: Obj): VolumeAttachment {
  return {
    serverId: reqStr(a, 'server_id', 'volume.attachments[]'),
    attachmentId: optStr(a.attachment_id) ?? optStr(a.id) ?? '',
    device: optStr(a.device),
    attachedAt: time(a.attached_at),
    hostName: optStr(a.host_name),
  };
}

/** `POST …/volumes/{id}/action` `os-volume_upload_image` → 202 `{"os-volume_upload_image":{…}}` (§3.3). */
export function parseUploadImage(body: unknown): UploadImageResult {
  const r = envelope(body, 'os-volume_upload_image');
  return {
    volumeId: reqStr(r, 'id', 'os-volume_upload_image'),
    imageId: reqStr(r, 'image_id', 'os-volume_upload_image'),
    imageName: optStr(r.image_name) ?? '',
    status: optStr(r.status) ?? 'uploading',
    size: optNum(r.size) ?? 0,
    diskFormat: optStr(r.disk_format),
    containerFormat: optStr(r.container_format),
  };
}

/** `GET …/volumes/detail` → `{"volumes":[…]}`. */
export function parseVolumeList(body: unknown): Volume[] {
  return array(envelope(body).volumes).filter(isObj).map(toVolume);
}

/** `GET …/snapshots/{id}` and `POST …/snapshots` → `{"snapshot":{…}}` (§3.8). */
export function parseSnapshot(body: unknown): Snapshot {
  return toSnapshot(envelope(body, 'snapshot'));
}

/** `GET …/snapshots/detail` → `{"snapshots":[…]}`. */
export function parseSnapshotList(body: unknown): Snapshot[] {
  return array(envelope(body).snapshots).filter(isObj).map(toSnapshot);
}

function toSnapshot(v: Obj): Snapshot {
  return {
    id: reqStr(v, 'id', 'snapshot'),
    name: nameOf(v),
    status: reqStr(v, 'status', 'snapshot'),
    size: optNum(v.size) ?? 0,
    volumeId: optStr(v.volume_id),
    metadata: stringMap(v.metadata),
    createdAt: time(v.created_at),
    updatedAt: time(v.updated_at),
  };
}
