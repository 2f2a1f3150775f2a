// EVS: disk detail and the export action (cloud-api.md §3). Snapshots are in snapshots.ts; disk creation, deletion,
// lists and EVS jobs in volumes.ts.
// Not implemented: os-vendor-volumes / cloudvolumes detail paths, other volume actions (attach, extend, …;
// answered 400 "There is no such action"), the Cinder messages API.
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { beginUpload } from '../model/exports';
import type { VolumeRec } from '../model/records';
import { RuleError } from '../model/rule-error';
import { renderUpload, renderVolume } from './render';
import { parseUploadRequest } from './validate';

function findVolume(ctx: Ctx): VolumeRec {
  const id = ctx.params.volume_id;
  const v = ctx.sim.world.volumes.get(id);
  if (!v) throw new RuleError('EVS.5404', `Volume ${id} could not be found.`);
  return v;
}

export function getVolume(ctx: Ctx): Reply {
  return { status: 200, body: { volume: renderVolume(ctx.sim.world, findVolume(ctx), ctx.base) } };
}

export function volumeAction(ctx: Ctx): Reply {
  const v = findVolume(ctx);
  const keys = typeof ctx.body === 'object' && ctx.body !== null ? Object.keys(ctx.body) : [];
  if (keys.length === 1 && keys[0] !== 'os-volume_upload_image') throw new RuleError('EVS.5400', `There is no such action: ${keys[0]}`);
  const req = parseUploadRequest(ctx.body);
  // The sim-only lock models SDRS / administrative locks (EVS.2068).
  if (v.locked) throw new RuleError('EVS.2068', 'operation failed because of volume be locked');
  checkStatus(v, req.force);
  // The cloud does not look at the attached servers: exporting under a running server is allowed with force,
  // which is exactly what the oracle's P1 check is there to catch.
  const fail = ctx.sim.takeFault('evs.uploadImage', [v.id], ['upload-fail']);
  const { image } = beginUpload(ctx.sim.world, v, req, fail !== undefined);
  return { status: 202, body: renderUpload(v, image, req) };
}

function checkStatus(v: VolumeRec, force: boolean): void {
  if (v.status === 'available') return;
  if (v.status === 'in-use' && force) return;
  const allowed = force ? 'available or in-use' : 'available';
  const hint = v.status === 'in-use' ? ' (an in-use disk needs force: true)' : '';
  throw new RuleError('EVS.5400', `Invalid volume: Volume ${v.id} status must be ${allowed}, but current status is: ${v.status}${hint}.`);
}
