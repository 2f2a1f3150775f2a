// The snapshot strategy's own resources: a snapshot of the disk and a temporary disk made from it. Each create
// looks for the run's deterministic name first (P3): a lost answer, a retry or a worker killed mid-call finds what
// the cloud already made and adopts it, never creating a second one. Removal is a wait: each read either sees the
// resource gone or asks for its deletion again (a delete the cloud refuses while the resource is busy is asked
// again later), so it is idempotent and resumable at any point.
import { ApplicationFailure } from '@temporalio/common';
import { classify, isStatus } from '../cloud/errors';
import type { CloudApi, Snapshot, Volume } from '../cloud/types';
import { FailureType } from '../workflows/api';
import type { Reading } from './poll';

export interface Created {
  id: string;
  /** The cloud's creation time, else when this run saw it. */
  createdAt: string;
  /** Found by its name (an earlier attempt made it) rather than created now. */
  adopted: boolean;
}

export interface SnapshotArgs {
  volumeId: string;
  name: string;
  /** The disk is `in-use` (its servers held stopped, or not touched at all). */
  force: boolean;
  runTag: string;
}

export interface CopyArgs {
  name: string;
  snapshotId: string;
  sizeGb: number;
  availabilityZone: string | null;
  volumeType: string | null;
  sourceVolumeId: string;
  runTag: string;
}

// Statuses of a resource on its way out: not ours to adopt.
const GOING = new Set(['deleting', 'error_deleting']);
const created = (r: { id: string; createdAt: string | null }, adopted: boolean): Created => ({
  id: r.id,
  createdAt: r.createdAt ?? new Date().toISOString(),
  adopted,
});

export async function createSnapshot(cloud: CloudApi, a: SnapshotArgs): Promise<Created> {
  const mine = (await cloud.evs.findSnapshots(a.name)).find((s) => !GOING.has(s.status));
  if (mine) return created(mine, true);
  const s = await cloud.evs.createSnapshot({
    volumeId: a.volumeId,
    name: a.name,
    force: a.force,
    description: `evs-image-export: snapshot of ${a.volumeId}, deleted when the run ends`,
    metadata: { evs_export_run: a.runTag },
  });
  return created(s, false);
}

export async function createCopy(cloud: CloudApi, a: CopyArgs): Promise<Created> {
  const mine = (await cloud.evs.findVolumes(a.name)).find((v) => !GOING.has(v.status));
  if (mine) return created({ id: mine.id, createdAt: null }, true);
  const v = await cloud.evs.createVolume({
    name: a.name,
    sizeGb: a.sizeGb,
    snapshotId: a.snapshotId,
    availabilityZone: a.availabilityZone,
    volumeType: a.volumeType,
    description: `evs-image-export: temporary copy of ${a.sourceVolumeId}, deleted when the run ends`,
    metadata: { evs_export_run: a.runTag },
  });
  return created({ id: v.id, createdAt: null }, false);
}

function failed(what: string, status: string): never {
  throw ApplicationFailure.create({
    type: FailureType.SnapshotFailed,
    message: `${what} ended ${JSON.stringify(status)}`,
    nonRetryable: true,
  });
}

export async function readSnapshot(cloud: CloudApi, snapshotId: string): Promise<Reading<Snapshot>> {
  const s = await cloud.evs.getSnapshot(snapshotId);
  if (s.status === 'available') return { done: s };
  if (s.status === 'error' || GOING.has(s.status)) failed(`snapshot ${snapshotId}`, s.status);
  return { notYet: `the snapshot is ${s.status}` };
}

export async function readCopy(cloud: CloudApi, volumeId: string): Promise<Reading<Volume>> {
  const v = await cloud.evs.getVolume(volumeId);
  if (v.status === 'available') return { done: v };
  if (v.status.startsWith('error') || GOING.has(v.status)) failed(`temporary disk ${volumeId}`, v.status);
  return { notYet: `the temporary disk is ${v.status}` };
}

export interface Removal {
  /** When the resource was seen gone. */
  deletedAt: string;
}

interface Removable {
  id: string;
  status: string;
}

/**
 * One read of a removal: gone → done; `deleting` → not yet; otherwise the delete is asked for (again). A refusal
 * because the resource is busy (400: uploading, creating, a disk still being made from the snapshot) is "not
 * yet": the next read asks again.
 */
async function removeOnce(
  what: string,
  find: () => Promise<Removable[]>,
  remove: (id: string) => Promise<void>,
): Promise<Reading<Removal>> {
  const left = await find();
  if (left.length === 0) return { done: { deletedAt: new Date().toISOString() } };
  const busy: string[] = [];
  for (const r of left) {
    if (r.status === 'deleting') continue;
    try {
      await remove(r.id);
    } catch (err) {
      if (isStatus(err, 404)) continue;
      if (!['invalid', 'conflict'].includes(classify(err).kind)) throw err;
      busy.push(`${r.id} is ${r.status}`);
    }
  }
  return { notYet: busy.length ? `${what}: the cloud refuses to delete it yet (${busy.join(', ')})` : `${what} is being deleted` };
}

/**
 * By id when the run knows it; by the run's name when it does not (a create whose answer was lost and that the
 * run never adopted). Every create adopts by name first, so a known id is the only resource of that name.
 */
async function byIdOrName<T extends Removable & { name: string }>(
  id: string | undefined,
  name: string,
  get: (id: string) => Promise<T>,
  find: (name: string) => Promise<T[]>,
): Promise<Removable[]> {
  if (!id) return find(name);
  try {
    return [await get(id)];
  } catch (err) {
    if (isStatus(err, 404)) return [];
    throw err;
  }
}

export function removeCopy(cloud: CloudApi, a: { volumeId?: string; name: string }): Promise<Reading<Removal>> {
  return removeOnce(
    `temporary disk ${a.volumeId ?? a.name}`,
    () =>
      byIdOrName(
        a.volumeId,
        a.name,
        (id) => cloud.evs.getVolume(id),
        (n) => cloud.evs.findVolumes(n),
      ),
    (id) => cloud.evs.deleteVolume(id),
  );
}

export function removeSnapshot(cloud: CloudApi, a: { snapshotId?: string; name: string }): Promise<Reading<Removal>> {
  return removeOnce(
    `snapshot ${a.snapshotId ?? a.name}`,
    () =>
      byIdOrName(
        a.snapshotId,
        a.name,
        (id) => cloud.evs.getSnapshot(id),
        (n) => cloud.evs.findSnapshots(n),
      ),
    (id) => cloud.evs.deleteSnapshot(id),
  );
}
