// Disk creation (empty or from a snapshot) and deletion (cloud-api.md §3.8). A new disk is `creating` for
// `volumeCreateBaseMs + size × volumeCreateMsPerGb`, then `available`, or `error` on an injected failure; one made
// from a snapshot is bootable if the snapshot's source was, and gets its image metadata when it becomes available
// (Cinder copies the glance metadata in its create flow). Deletion: `deleting`, then gone after `deleteMs`.
import { finishEvsJob } from './evs-jobs';
import type { SnapshotRec, VolumeRec } from './records';
import { RuleError } from './rule-error';
import { beginSnapshotDelete } from './snapshots';
import type { World } from './world';

export interface NewVolume {
  name: string;
  size: number;
  availabilityZone: string;
  volumeType: string;
  description: string | null;
  metadata: Record<string, string>;
  multiattach: boolean;
  snapshot?: SnapshotRec;
}

export interface CreateFailure {
  code: string;
  reason: string;
}

export function createVolume(w: World, n: NewVolume, failure?: CreateFailure): VolumeRec {
  const now = w.now();
  const { snapshot, ...rest } = n;
  const v: VolumeRec = {
    ...rest,
    id: w.rng.uuid(),
    status: 'creating',
    bootable: snapshot?.sourceBootable ?? false,
    locked: false,
    volumeImageMetadata: null,
    attachments: [],
    snapshotId: snapshot?.id ?? null,
    origin: 'api',
    createdAt: now,
    updatedAt: now,
  };
  w.volumes.set(v.id, v);
  w.events.emit('volume.created', { volumeId: v.id, name: v.name, size: v.size, snapshotId: v.snapshotId });
  const imageMetadata = snapshot?.volumeImageMetadata ?? null;
  const t = w.config.timings;
  const ms = t.volumeCreateBaseMs === null ? null : t.volumeCreateBaseMs + v.size * t.volumeCreateMsPerGb;
  w.engine.schedule('volume', v.id, ms, () => {
    // An admin PATCH may have moved the disk meanwhile; then only the job learns how it ended.
    if (v.status === 'creating') {
      v.status = failure ? 'error' : 'available';
      if (!failure && imageMetadata) v.volumeImageMetadata = { ...imageMetadata };
      w.touchVolume(v);
      w.events.emit(failure ? 'volume.error' : 'volume.available', { volumeId: v.id, name: v.name, snapshotId: v.snapshotId });
    }
    finishEvsJob(w, v.id, v.status === 'available' ? undefined : (failure ?? { code: 'EVS.2024', reason: 'volume is error!' }));
  });
  return v;
}

const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
// Cinder's own words (cinder/volume/api.py `delete`), as the releases before "awaiting a transfer" word it.
const NOT_DELETABLE =
  'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and ' +
  'must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.';

/** `cascade` deletes the disk's snapshots too, if each is `available`, `error` or already `deleting`. */
export function deleteVolume(w: World, id: string, cascade: boolean): void {
  const v = w.volumes.get(id);
  if (!v) throw new RuleError('EVS.5404', `Volume ${id} could not be found.`);
  if (v.locked) throw new RuleError('EVS.2068', 'operation failed because of volume be locked');
  const snaps = w.snapshotsOf(v.id);
  const snapsOk = cascade ? snaps.every((s) => ['available', 'error', 'deleting'].includes(s.status)) : snaps.length === 0;
  if (!DELETABLE.includes(v.status) || v.attachments.length > 0 || !snapsOk) throw new RuleError('EVS.5400', NOT_DELETABLE);
  for (const s of snaps) if (s.status !== 'deleting') beginSnapshotDelete(w, s);
  v.status = 'deleting';
  w.touchVolume(v);
  w.events.emit('volume.deleting', { volumeId: v.id, name: v.name });
  w.engine.schedule('delete', v.id, w.config.timings.deleteMs, () => {
    w.volumes.delete(v.id);
    w.events.emit('volume.deleted', { volumeId: v.id, name: v.name });
  });
}
