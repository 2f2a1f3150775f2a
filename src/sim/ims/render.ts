// IMS / Glance v2 image body (cloud-api.md §5.1): flat object, OTC `__` extras as strings.
// Not rendered: __os_bit, __support_* flags, __root_origin, __system__cmkid, enterprise_project_id,
// os_hash_* (Glance 2.7+), hw_firmware_type beyond "bios". Members are a separate call (handlers.ts).
import { imageType } from '../model/images';
import type { ImageRec } from '../model/records';
import { secondsZ } from '../time';

/** The image as `project` sees it (`__imagetype` depends on who asks); default the image's owner. */
export function renderImage(i: ImageRec, project = i.owner): Record<string, unknown> {
  const self = `/v2/images/${i.id}`;
  return {
    schema: '/v2/schemas/image',
    id: i.id,
    name: i.name,
    status: i.status,
    visibility: i.visibility,
    owner: i.owner,
    protected: i.protected,
    container_format: i.containerFormat,
    disk_format: i.diskFormat,
    min_disk: i.minDisk,
    min_ram: 0,
    size: 0,
    virtual_size: null,
    ...(i.status === 'active' ? { checksum: 'd41d8cd98f00b204e9800998ecf8427e' } : {}),
    tags: [...i.tags],
    created_at: secondsZ(i.createdAt),
    updated_at: secondsZ(i.updatedAt),
    ...(i.activeAt !== null ? { active_at: secondsZ(i.activeAt) } : {}),
    self,
    file: `${self}/file`,
    __os_type: i.osType,
    __imagetype: imageType(i, project),
    __isregistered: 'true',
    __image_source_type: 'uds',
    // IMS: the image's source; seeded images name none.
    __data_origin: i.volumeId === null ? '' : `volume,${i.volumeId}`,
    __originalimagename: '',
    __backup_id: '',
    __lazyloading: 'true',
    __image_size: '0',
    __description: '',
    // [GUESS] cloud-api.md §8.9: system-disk exports are FusionCompute images, data-disk exports DataImage.
    virtual_env_type: i.bootable ? 'FusionCompute' : 'DataImage',
    hw_firmware_type: 'bios',
  };
}
