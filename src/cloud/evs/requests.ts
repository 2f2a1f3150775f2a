// `os-volume_upload_image` request body (§3.3). `force` is always sent: false forbids exporting an in-use disk,
// and gophertelekomcloud's omitempty would drop an explicit false. Unset optional fields are omitted so the
// cloud applies its defaults (OTC disk_format zvhd2, container_format bare; vanilla Cinder rejects `__os_type`, §6).
import type { CreateSnapshotOpts, CreateVolumeOpts, UploadImageOpts } from '../types';

export interface UploadImageBody {
  'os-volume_upload_image': {
    image_name: string;
    force: boolean;
    disk_format?: string;
    container_format?: string;
    __os_type?: string;
  };
}

export function toUploadImageBody(o: UploadImageOpts): UploadImageBody {
  if (typeof o.imageName !== 'string' || o.imageName === '') throw new TypeError('uploadImage: imageName is required');
  if (typeof o.force !== 'boolean') throw new TypeError('uploadImage: force must be true or false');
  const action: UploadImageBody['os-volume_upload_image'] = { image_name: o.imageName, force: o.force };
  if (o.diskFormat !== undefined) action.disk_format = o.diskFormat;
  if (o.containerFormat !== undefined) action.container_format = o.containerFormat;
  if (o.osType !== undefined) action.__os_type = o.osType;
  return { 'os-volume_upload_image': action };
}

/**
 * Vanilla Cinder's `os-volume_upload_image` (§6.5): its schema refuses unknown keys, so no `__os_type`; `force`
 * only when true (Cinder's default is false, and a cloud without `enable_force_upload` ignores it anyway);
 * `visibility: private` and `protected: false` from microversion 3.1 (sent with the header, api.ts), so the image
 * is private to the project as on OTC — before 3.1 Glance would make it `shared`. Only Cinder's disk formats.
 */
export function toCinderUploadImageBody(o: UploadImageOpts): { 'os-volume_upload_image': Record<string, unknown> } {
  if (typeof o.imageName !== 'string' || o.imageName === '') throw new TypeError('uploadImage: imageName is required');
  if (typeof o.force !== 'boolean') throw new TypeError('uploadImage: force must be true or false');
  const action: Record<string, unknown> = { image_name: o.imageName };
  if (o.force) action.force = true;
  if (o.diskFormat !== undefined) action.disk_format = o.diskFormat;
  if (o.containerFormat !== undefined) action.container_format = o.containerFormat;
  action.visibility = 'private';
  action.protected = false;
  return { 'os-volume_upload_image': action };
}

/** `POST …/snapshots` (§3.8). `force` lets the cloud snapshot an in-use disk (its servers are held stopped). */
export function toCreateSnapshotBody(o: CreateSnapshotOpts): { snapshot: Record<string, unknown> } {
  if (!o.volumeId) throw new TypeError('createSnapshot: volumeId is required');
  if (!o.name) throw new TypeError('createSnapshot: name is required');
  const snapshot: Record<string, unknown> = { volume_id: o.volumeId, name: o.name, force: o.force };
  if (o.description !== undefined) snapshot.description = o.description;
  if (o.metadata !== undefined) snapshot.metadata = o.metadata;
  return { snapshot };
}

/** `POST …/volumes` from a snapshot (§3.8): the Cinder-compatible form, which answers with the disk's id at once. */
export function toCreateVolumeBody(o: CreateVolumeOpts): { volume: Record<string, unknown> } {
  if (!o.name) throw new TypeError('createVolume: name is required');
  if (!Number.isInteger(o.sizeGb) || o.sizeGb < 1) throw new TypeError(`createVolume: sizeGb must be a positive integer, got ${o.sizeGb}`);
  const volume: Record<string, unknown> = { name: o.name, size: o.sizeGb };
  if (o.snapshotId !== undefined) volume.snapshot_id = o.snapshotId;
  if (o.availabilityZone) volume.availability_zone = o.availabilityZone;
  if (o.volumeType) volume.volume_type = o.volumeType;
  if (o.description !== undefined) volume.description = o.description;
  if (o.metadata !== undefined) volume.metadata = o.metadata;
  return { volume };
}

/** An exact-name list query (Cinder's `name` filter); we compare names again on our side. */
export function toNameQuery(name: string, what: string): Record<string, string | number | undefined> {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${what}: name is required`);
  return { name, limit: 100 };
}
