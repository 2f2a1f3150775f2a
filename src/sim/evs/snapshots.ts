// EVS snapshots, Cinder-compatible v2 (cloud-api.md §3.8): create, show, list (summary and detail), delete.
// Not implemented: update, metadata calls, the native `cloudsnapshots` paths, rollback.
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { quotaExcess } from '../model/quotas';
import { RuleError } from '../model/rule-error';
import { createSnapshot as newSnapshot, deleteSnapshot as removeSnapshot, getSnapshot } from '../model/snapshots';
import { listPage } from './lists';
import { renderSnapshot } from './render';
import { cinderQuotaError, parseCreateSnapshot } from './requests';

const bad = (message: string) => new RuleError('EVS.5400', message);

export function createSnapshot(ctx: Ctx): Reply {
  const req = parseCreateSnapshot(ctx.body);
  const w = ctx.sim.world;
  const v = w.volumes.get(req.volumeId);
  if (!v) throw new RuleError('EVS.5404', `Volume ${req.volumeId} could not be found.`);
  // Cinder's checks, in its order (cinder/volume/api.py create_snapshot_in_db).
  if (v.status === 'error') throw bad('Invalid volume: The snapshot cannot be created when the volume is in error status.');
  const valid = req.force ? ['available', 'in-use'] : ['available'];
  if (!valid.includes(v.status))
    throw bad(`Invalid volume: Volume ${v.id} status must be ${valid.join(', ')}, but current status is: ${v.status}.`);
  const excess = quotaExcess(w, 'snapshots', v.size);
  if (excess) throw cinderQuotaError(excess);
  const fail = ctx.sim.takeFault('evs.createSnapshot', [v.id], ['create-fail']);
  const s = newSnapshot(w, v, { name: req.name, description: req.description, metadata: req.metadata }, fail !== undefined);
  return { status: 202, body: { snapshot: renderSnapshot(w, s, 'create') } };
}

export function showSnapshot(ctx: Ctx): Reply {
  return { status: 200, body: { snapshot: renderSnapshot(ctx.sim.world, getSnapshot(ctx.sim.world, ctx.params.snapshot_id), 'detail') } };
}

/** `prefix`: the API's path before the project, for the `next` link (`/volume/v3` in the openstack dialect). */
export function listSnapshots(detail: boolean, prefix = '/evs/v2') {
  return (ctx: Ctx): Reply => {
    const w = ctx.sim.world;
    const { page, links } = listPage(
      ctx,
      [...w.snapshots.values()],
      { name: (s) => s.name, status: (s) => s.status, volume_id: (s) => s.volumeId, availability_zone: (s) => s.availabilityZone },
      `${prefix}/${w.account.projectId}/snapshots${detail ? '/detail' : ''}`,
    );
    const body: Record<string, unknown> = { snapshots: page.map((s) => renderSnapshot(w, s, detail ? 'detail' : 'create')) };
    if (links) body.snapshots_links = links;
    return { status: 200, body };
  };
}

export function deleteSnapshot(ctx: Ctx): Reply {
  removeSnapshot(ctx.sim.world, ctx.params.snapshot_id);
  return { status: 202 };
}
