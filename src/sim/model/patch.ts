// Admin overrides of server and disk state, for tests. They are events (`admin.patch`) but never P1 violations.
import type { PatchSpec } from '../types';
import { finishSubJob, runningSubJob } from './jobs';
import type { ServerRec, VolumeRec } from './records';
import { AdminError } from './rule-error';
import { SEEDABLE_STATUS } from './server-status';
import type { World } from './world';

function checkPatch(p: PatchSpec): void {
  if (typeof p !== 'object' || p === null) throw new AdminError('body must be an object');
  if (p.locked !== undefined && typeof p.locked !== 'boolean') throw new AdminError('locked must be a boolean');
  if (p.taskState !== undefined && p.taskState !== null && typeof p.taskState !== 'string')
    throw new AdminError('taskState must be a string or null');
}

export function patchServer(w: World, id: string, p: PatchSpec): ServerRec {
  checkPatch(p);
  const s = w.servers.get(id);
  if (!s) throw new AdminError(`no server ${id}`, 404);
  if (p.status !== undefined && !SEEDABLE_STATUS[p.status])
    throw new AdminError(`status must be one of ${Object.keys(SEEDABLE_STATUS).join(', ')}`);
  if (p.status !== undefined || p.taskState !== undefined) {
    // A forced state ends whatever stop/start was under way; its sub-job fails rather than hanging.
    for (const kind of ['stop', 'start'] as const) w.engine.cancel(kind, id);
    const running = runningSubJob(w, id);
    if (running)
      finishSubJob(w, running.job, running.sub, {
        code: 'Ecs.0100',
        reason: 'Interrupted: the server state was changed by an administrator.',
      });
  }
  if (p.status !== undefined) Object.assign(s, SEEDABLE_STATUS[p.status]);
  if (p.taskState !== undefined) s.taskState = p.taskState;
  if (p.locked !== undefined) s.locked = p.locked;
  w.touchServer(s);
  w.events.emit('admin.patch', { resource: 'server', id, ...p });
  return s;
}

export function patchVolume(w: World, id: string, p: PatchSpec): VolumeRec {
  checkPatch(p);
  const v = w.volumes.get(id);
  if (!v) throw new AdminError(`no volume ${id}`, 404);
  if (p.taskState !== undefined) throw new AdminError('volumes have no taskState');
  if (p.status !== undefined && (typeof p.status !== 'string' || !p.status)) throw new AdminError('status must be a non-empty string');
  if (p.status !== undefined) v.status = p.status;
  if (p.locked !== undefined) v.locked = p.locked;
  w.touchVolume(v);
  w.events.emit('admin.patch', { resource: 'volume', id, ...p });
  return v;
}
