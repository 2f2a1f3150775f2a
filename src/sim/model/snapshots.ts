// EVS snapshots (cloud-api.md §3.8): `creating` → `available` (or `error` on an injected failure) after a flat
// `snapshotMs` — copy-on-write, so not proportional to size; deleted via `deleting` → gone after `deleteMs`.
// Which disks may be snapshotted is the EVS handler's to decide (its refusals depend on the API form).
import type { SnapshotRec, VolumeRec } from './records';
import { RuleError } from './rule-error';
import type { World } from './world';

export interface NewSnapshot {
  name: string;
  description: string | null;
  metadata: Record<string, string>;
}

export function createSnapshot(w: World, v: VolumeRec, n: NewSnapshot, fail: boolean): SnapshotRec {
  const now = w.now();
  const s: SnapshotRec = {
    ...n,
    id: w.rng.uuid(),
    status: 'creating',
    size: v.size,
    volumeId: v.id,
    // Cinder copies a bootable disk's image (glance) metadata to its snapshot, and from there to a disk made from it.
    sourceBootable: v.bootable,
    volumeImageMetadata: v.bootable && v.volumeImageMetadata ? { ...v.volumeImageMetadata } : null,
    availabilityZone: v.availabilityZone,
    volumeType: v.volumeType,
    progress: '0%',
    createdAt: now,
    updatedAt: now,
  };
  w.snapshots.set(s.id, s);
  w.events.emit('snapshot.created', { snapshotId: s.id, name: s.name, volumeId: v.id });
  w.engine.schedule('snapshot', s.id, w.config.timings.snapshotMs, () => {
    if (s.status !== 'creating') return;
    s.status = fail ? 'error' : 'available';
    if (!fail) s.progress = '100%';
    s.updatedAt = w.now();
    w.events.emit(fail ? 'snapshot.error' : 'snapshot.available', { snapshotId: s.id, name: s.name, volumeId: v.id });
  });
  return s;
}

export function getSnapshot(w: World, id: string): SnapshotRec {
  const s = w.snapshots.get(id);
  if (!s) throw new RuleError('EVS.5404', `Snapshot ${id} could not be found.`);
  return s;
}

/** Cinder's rule: only an `available` or `error` snapshot; the sim also refuses while a disk is made from it. */
export function deleteSnapshot(w: World, id: string): void {
  const s = getSnapshot(w, id);
  if (s.status !== 'available' && s.status !== 'error')
    throw new RuleError('EVS.5400', 'Invalid snapshot: Snapshot status must be available or error and must not be part of a group.');
  const busy = [...w.volumes.values()].find((v) => v.snapshotId === s.id && v.status === 'creating');
  if (busy) throw new RuleError('EVS.5400', `Invalid snapshot: Snapshot ${s.id} is busy: disk ${busy.id} is being created from it.`);
  beginSnapshotDelete(w, s);
}

export function beginSnapshotDelete(w: World, s: SnapshotRec): void {
  s.status = 'deleting';
  s.updatedAt = w.now();
  w.events.emit('snapshot.deleting', { snapshotId: s.id, name: s.name, volumeId: s.volumeId });
  w.engine.schedule('delete', s.id, w.config.timings.deleteMs, () => {
    w.snapshots.delete(s.id);
    w.events.emit('snapshot.deleted', { snapshotId: s.id, name: s.name, volumeId: s.volumeId });
  });
}
