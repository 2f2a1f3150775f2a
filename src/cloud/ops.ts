// Operation names: the keys of `callCounts()` and `CloudError.op`. The simulator counts the same strings
// (src/sim/types.ts OPS), so the client's and the cloud's cost figures can be compared.

export type ServiceName = 'keystone' | 'evs' | 'ecs' | 'ims';

export const OPS = [
  'keystone.token',
  'evs.getVolume',
  'evs.uploadImage',
  'evs.createSnapshot',
  'evs.getSnapshot',
  'evs.listSnapshots',
  'evs.deleteSnapshot',
  'evs.createVolume',
  'evs.listVolumes',
  'evs.deleteVolume',
  'evs.createVolumeNative',
  'evs.getJob',
  'ecs.getServer',
  'ecs.stop',
  'ecs.start',
  'ecs.getJob',
  'ecs.listServers',
  'ims.getImage',
  'ims.listImages',
  'ims.deleteImage',
  'ims.addTag',
  'ims.listMembers',
] as const;

export type OpName = (typeof OPS)[number];

/** Human label of a service in error messages. */
export const SERVICE_LABEL: Record<ServiceName, string> = { keystone: 'Keystone', evs: 'EVS', ecs: 'ECS', ims: 'IMS' };
