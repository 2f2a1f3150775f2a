import type { Ctx, ServiceRoute } from '../http/context';
import { getVolume, volumeAction } from './handlers';
import { snapshotTargets, volumeTargets } from './requests';
import { createSnapshot, deleteSnapshot, listSnapshots, showSnapshot } from './snapshots';
import { createVolume, createVolumeNative, deleteVolume, getEvsJob, listVolumes } from './volumes';

const evs = (method: string, path: string, op: ServiceRoute['op'], handle: (ctx: Ctx) => ReturnType<ServiceRoute['handle']>) =>
  ({ method, path, service: 'evs', op, handle }) satisfies ServiceRoute;

// v2 is what OTC recommends; v3 answers the same (its microversion extras are not rendered). A fixed segment
// (`detail`) is listed before the `:id` pattern it would otherwise match. Fault targets: the path's ids, or the
// body's source (the disk of a snapshot, the snapshot of a disk).
const cinder: ServiceRoute[] = ['v2', 'v3'].flatMap((ver): ServiceRoute[] => {
  const base = `/evs/${ver}/:project_id`;
  return [
    evs('GET', `${base}/volumes/detail`, 'evs.listVolumes', listVolumes(true)),
    evs('GET', `${base}/volumes`, 'evs.listVolumes', listVolumes(false)),
    { ...evs('POST', `${base}/volumes`, 'evs.createVolume', createVolume), targets: (ctx) => volumeTargets(ctx.body) },
    evs('GET', `${base}/volumes/:volume_id`, 'evs.getVolume', getVolume),
    evs('DELETE', `${base}/volumes/:volume_id`, 'evs.deleteVolume', deleteVolume),
    evs('POST', `${base}/volumes/:volume_id/action`, 'evs.uploadImage', volumeAction),
    { ...evs('POST', `${base}/snapshots`, 'evs.createSnapshot', createSnapshot), targets: (ctx) => snapshotTargets(ctx.body) },
    evs('GET', `${base}/snapshots/detail`, 'evs.listSnapshots', listSnapshots(true)),
    evs('GET', `${base}/snapshots`, 'evs.listSnapshots', listSnapshots(false)),
    evs('GET', `${base}/snapshots/:snapshot_id`, 'evs.getSnapshot', showSnapshot),
    evs('DELETE', `${base}/snapshots/:snapshot_id`, 'evs.deleteSnapshot', deleteSnapshot),
  ];
});

// The native API and EVS jobs live on the same host under other versions: OTC's `/v2/…/cloudvolumes`, Huawei
// Cloud's `/v2.1/…/cloudvolumes`, and `/v1/…/jobs`; the sim's `/evs` prefix plays the host.
const native: ServiceRoute[] = [
  ...(['v2', 'v2.1'] as const).map((ver) => ({
    ...evs('POST', `/evs/${ver}/:project_id/cloudvolumes`, 'evs.createVolumeNative', createVolumeNative(ver)),
    targets: (ctx: Ctx) => volumeTargets(ctx.body),
  })),
  evs('GET', '/evs/v1/:project_id/jobs/:job_id', 'evs.getJob', getEvsJob),
];

export const evsRoutes: ServiceRoute[] = [...cinder, ...native];
