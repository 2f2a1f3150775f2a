// `os-volume_upload_image` once accepted: disk → uploading, image queued → saving; after the upload the disk
// goes back to in-use/available (never error, as Cinder does) and the image becomes active, or, on an injected
// failure, killed and then gone. Request validation and status checks are the EVS handler's.
import { createImage, deleteImage, setImageStatus } from './images';
import type { ExportRec, ImageRec, VolumeRec } from './records';
import type { World } from './world';

export interface ExportRequest {
  imageName: string;
  diskFormat: string;
  containerFormat: string;
  /** Request `__os_type` (linux|windows); the disk's own image metadata wins. */
  osType: string;
  force: boolean;
}

export function beginUpload(w: World, v: VolumeRec, req: ExportRequest, fail: boolean): { image: ImageRec; record: ExportRec } {
  const metaOs = v.volumeImageMetadata?.__os_type;
  const osType = metaOs ?? (req.osType === 'windows' ? 'Windows' : 'Linux');
  const image = createImage(w, {
    name: req.imageName,
    diskFormat: req.diskFormat,
    containerFormat: req.containerFormat,
    osType,
    minDisk: v.size,
    volumeId: v.id,
    bootable: v.bootable,
  });
  const record: ExportRec = {
    volumeId: v.id,
    imageId: image.id,
    imageName: req.imageName,
    force: req.force,
    requestedAt: w.now(),
    uploadEndedAt: null,
    failed: fail,
  };
  w.exports.push(record);
  v.status = 'uploading';
  w.touchVolume(v);
  w.events.emit('volume.uploading', { volumeId: v.id, imageId: image.id, force: req.force });
  w.engine.schedule('image-saving', image.id, 0, () => setImageStatus(w, image, 'saving'));

  const t = w.config.timings;
  const ms = t.uploadBaseMs === null ? null : t.uploadBaseMs + v.size * t.uploadMsPerGb;
  w.engine.schedule('upload', v.id, ms, () => endUpload(w, v, image, record));
  return { image, record };
}

function endUpload(w: World, v: VolumeRec, image: ImageRec, record: ExportRec): void {
  w.engine.cancel('image-saving', image.id);
  // An admin PATCH may have moved the disk meanwhile; only our own status is undone.
  if (v.status === 'uploading') {
    v.status = v.attachments.length > 0 ? 'in-use' : 'available';
    w.touchVolume(v);
  }
  record.uploadEndedAt = w.now();
  w.events.emit('volume.released', { volumeId: v.id, imageId: image.id, status: v.status, failed: record.failed });
  if (!w.images.has(image.id)) return;
  const t = w.config.timings;
  if (record.failed) {
    setImageStatus(w, image, 'killed');
    w.engine.schedule('image', image.id, t.killedImageTtlMs, () => deleteImage(w, image.id, 'killed-ttl'));
  } else {
    if (image.status === 'queued') setImageStatus(w, image, 'saving');
    w.engine.schedule('image', image.id, t.imageActivateMs, () => setImageStatus(w, image, 'active'));
  }
}
