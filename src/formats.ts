// The values the export API takes, defined once: the cloud client's types, the workflow's input rules and the
// CLI's choices all derive from these lists. No imports: workflow code may use it. (The simulator keeps its own
// list, as the cloud it stands for does.)

/** `disk_format` of `os-volume_upload_image` on Open Telekom Cloud / Huawei Cloud EVS (cloud-api.md); default zvhd2. */
export const OTC_DISK_FORMATS = ['vhd', 'zvhd', 'zvhd2', 'raw', 'qcow2'] as const;
/** The same on vanilla Cinder (cloud-api.md §6.4); its default is raw. */
export const CINDER_DISK_FORMATS = ['raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'ploop'] as const;
/** What the input takes: either cloud's. The plan checks the cloud's own list before any server stops. */
export const DISK_FORMATS = ['vhd', 'zvhd', 'zvhd2', 'raw', 'qcow2', 'vmdk', 'vdi', 'vhdx', 'ploop'] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];
export const DEFAULT_DISK_FORMAT: DiskFormat = 'zvhd2';

/** `container_format` of `os-volume_upload_image`. */
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'ovf', 'bare'] as const;
export type ContainerFormat = (typeof CONTAINER_FORMATS)[number];
export const DEFAULT_CONTAINER_FORMAT: ContainerFormat = 'bare';

/** `__os_type` of `os-volume_upload_image`. */
export const OS_TYPES = ['linux', 'windows'] as const;
export type OsType = (typeof OS_TYPES)[number];

/** `type` of ECS `os-stop`: SOFT lets the guest shut down, HARD powers off. */
export const STOP_TYPES = ['SOFT', 'HARD'] as const;
export type StopType = (typeof STOP_TYPES)[number];

/**
 * How a disk becomes an image. `direct`: the documented method, the servers stay stopped for the whole upload.
 * `snapshot`: the servers stay stopped only while a snapshot is taken; a temporary disk made from it is exported.
 */
export const STRATEGIES = ['direct', 'snapshot'] as const;
export type Strategy = (typeof STRATEGIES)[number];
