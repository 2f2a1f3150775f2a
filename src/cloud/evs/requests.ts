// `os-volume_upload_image` request body (§3.3). `force` is always sent: false forbids exporting an in-use disk,
// and gophertelekomcloud's omitempty would drop an explicit false. Unset optional fields are omitted so the
// cloud applies its defaults (OTC disk_format zvhd2, container_format bare; vanilla Cinder rejects `__os_type`, §6).
import type { UploadImageOpts } from '../types';

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
