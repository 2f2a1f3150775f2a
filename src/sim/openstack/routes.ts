// The openstack dialect's routes (cloud-api.md §6.5), served whatever the dialect: devstack's path prefixes stand
// for the hosts the vanilla catalog names (keystone/catalog.ts) — Cinder v3 under `/volume/v3/{project_id}`, Nova
// v2.1 under `/compute/v2.1` (no project, as modern catalogs list it), Glance under `/image/v2`. Operation names
// are the OTC routes' (`evs.uploadImage`, `ecs.stop`, …), so faults, counts and the oracle work the same in both
// dialects; the route's service (`cinder`, `nova`, `glance`) chooses the error bodies (errors.ts).
import { novaAction, novaOp } from '../ecs/nova';
import { getVolume } from '../evs/handlers';
import { snapshotTargets, volumeTargets } from '../evs/requests';
import { createSnapshot, deleteSnapshot, listSnapshots, showSnapshot } from '../evs/snapshots';
import { createVolume, deleteVolume, listVolumes } from '../evs/volumes';
import type { Ctx, ServiceRoute } from '../http/context';
import type { Reply } from '../http/io';
import { deleteTag, putTag } from '../ims/handlers';
import { DEFAULT_AZ } from '../model/zones';
import { cinderVolumeAction } from './cinder';
import { deleteGlanceImage, listGlanceImages, showGlanceImage, showGlanceMembers } from './glance';
import { listNovaServers, showNovaServer } from './nova';

type Handle = (ctx: Ctx) => Reply;
const r = (service: ServiceRoute['service'], method: string, path: string, op: ServiceRoute['op'], handle: Handle): ServiceRoute => ({
  method,
  path,
  service,
  op,
  handle,
});

/**
 * Cinder defaults a new disk's zone (to its snapshot's, else the default zone) where EVS's Cinder-compatible API
 * requires one (§3.8): the body gets the zone Cinder would pick, then EVS's checks run.
 */
function cinderCreateVolume(ctx: Ctx): Reply {
  const body = ctx.body as { volume?: Record<string, unknown> } | undefined;
  const v = body?.volume;
  if (v && typeof v === 'object' && (v.availability_zone === undefined || v.availability_zone === null || v.availability_zone === '')) {
    const snap = typeof v.snapshot_id === 'string' ? ctx.sim.world.snapshots.get(v.snapshot_id) : undefined;
    ctx.body = { ...body, volume: { ...v, availability_zone: snap?.availabilityZone ?? DEFAULT_AZ } };
  }
  return createVolume(ctx);
}

const CINDER = '/volume/v3/:project_id';
const NOVA = '/compute/v2.1';
const GLANCE = '/image/v2';

export const openstackRoutes: ServiceRoute[] = [
  // Cinder v3: a fixed segment (`detail`) before the `:id` pattern it would otherwise match.
  r('cinder', 'GET', `${CINDER}/volumes/detail`, 'evs.listVolumes', listVolumes(true, '/volume/v3')),
  r('cinder', 'GET', `${CINDER}/volumes`, 'evs.listVolumes', listVolumes(false, '/volume/v3')),
  { ...r('cinder', 'POST', `${CINDER}/volumes`, 'evs.createVolume', cinderCreateVolume), targets: (ctx) => volumeTargets(ctx.body) },
  r('cinder', 'GET', `${CINDER}/volumes/:volume_id`, 'evs.getVolume', getVolume),
  r('cinder', 'DELETE', `${CINDER}/volumes/:volume_id`, 'evs.deleteVolume', deleteVolume),
  r('cinder', 'POST', `${CINDER}/volumes/:volume_id/action`, 'evs.uploadImage', cinderVolumeAction),
  { ...r('cinder', 'POST', `${CINDER}/snapshots`, 'evs.createSnapshot', createSnapshot), targets: (ctx) => snapshotTargets(ctx.body) },
  r('cinder', 'GET', `${CINDER}/snapshots/detail`, 'evs.listSnapshots', listSnapshots(true, '/volume/v3')),
  r('cinder', 'GET', `${CINDER}/snapshots`, 'evs.listSnapshots', listSnapshots(false, '/volume/v3')),
  r('cinder', 'GET', `${CINDER}/snapshots/:snapshot_id`, 'evs.getSnapshot', showSnapshot),
  r('cinder', 'DELETE', `${CINDER}/snapshots/:snapshot_id`, 'evs.deleteSnapshot', deleteSnapshot),
  // Nova v2.1.
  r('nova', 'GET', `${NOVA}/servers/detail`, 'ecs.listServers', listNovaServers),
  r('nova', 'GET', `${NOVA}/servers/:server_id`, 'ecs.getServer', showNovaServer),
  r('nova', 'POST', `${NOVA}/servers/:server_id/action`, novaOp, novaAction),
  // Glance v2.
  r('glance', 'GET', `${GLANCE}/images`, 'ims.listImages', listGlanceImages),
  r('glance', 'GET', `${GLANCE}/images/:image_id`, 'ims.getImage', showGlanceImage),
  r('glance', 'DELETE', `${GLANCE}/images/:image_id`, 'ims.deleteImage', deleteGlanceImage),
  r('glance', 'GET', `${GLANCE}/images/:image_id/members`, 'ims.listMembers', showGlanceMembers),
  { ...r('glance', 'PUT', `${GLANCE}/images/:image_id/tags/:tag`, 'ims.addTag', putTag), targets: (ctx) => [ctx.params.image_id] },
  { ...r('glance', 'DELETE', `${GLANCE}/images/:image_id/tags/:tag`, 'ims.deleteTag', deleteTag), targets: (ctx) => [ctx.params.image_id] },
];
