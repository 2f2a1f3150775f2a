// The activities of the snapshot strategy: create the snapshot and the temporary disk (each at most once, P3),
// wait for each, and remove both (waits that ask for the deletion until it has happened).
import type { CallOptions, CloudApi, EvsApi, Volume } from '../cloud/types';
import {
  type CopyArgs,
  createCopy,
  createSnapshot,
  type Created,
  readCopy,
  readSnapshot,
  type Removal,
  removeCopy,
  removeSnapshot,
  type SnapshotArgs,
} from './copy';
import { waitStage } from './poll';
import type { ActivityScope, Counted } from './scope';

export interface CopyReady {
  bootable: boolean;
  /** `__os_type` of the copy's image metadata, when the cloud carried it over. */
  osType: string | null;
}

/** The cloud, telling `seen` each disk it reads: the temporary disk's size sets how long its making is expected to take. */
function noticingVolumes(c: CloudApi, seen: (v: Volume) => void): CloudApi {
  const getVolume = async (volumeId: string, o?: CallOptions): Promise<Volume> => {
    const v = await c.evs.getVolume(volumeId, o);
    seen(v);
    return v;
  };
  const evs = Object.create(c.evs, { getVolume: { value: getVolume } }) as EvsApi;
  return Object.create(c, { evs: { value: evs } }) as CloudApi;
}

export function copyingActivities(s: ActivityScope) {
  return {
    /** The disk's snapshot, found by the run's name or created. */
    async createSnapshot(args: SnapshotArgs): Promise<Counted<Created>> {
      return s.counted(`snapshot disk ${args.volumeId}`, (c) => createSnapshot(c, args));
    },

    async awaitSnapshot(args: { snapshotId: string; since?: number }) {
      const what = `wait for snapshot ${args.snapshotId} to become available`;
      return s.waited<{ status: string }>(what, args.since, (c) =>
        waitStage(
          s.policy,
          what,
          args.since,
          async () => {
            const r = await readSnapshot(c, args.snapshotId);
            return 'done' in r ? { done: { status: r.done.status } } : r;
          },
          s.step('snapshot'),
        ),
      );
    },

    /** The temporary disk made from the snapshot, found by the run's name or created. */
    async createCopy(args: CopyArgs): Promise<Counted<Created>> {
      return s.counted(`create a disk from snapshot ${args.snapshotId}`, (c) => createCopy(c, args));
    },

    async awaitCopy(args: { volumeId: string; since?: number }) {
      const what = `wait for temporary disk ${args.volumeId} to become available`;
      let sizeGb: number | undefined;
      return s.waited<CopyReady>(what, args.since, (c) =>
        waitStage(
          s.policy,
          what,
          args.since,
          async () => {
            const r = await readCopy(
              noticingVolumes(c, (v) => (sizeGb = v.size)),
              args.volumeId,
            );
            if (!('done' in r)) return r;
            const os = r.done.volumeImageMetadata?.__os_type;
            return { done: { bootable: r.done.bootable, osType: typeof os === 'string' ? os : null } };
          },
          s.step('copy', () => sizeGb),
        ),
      );
    },

    /** A wait until the temporary disk is gone, asking for its deletion until the cloud accepts. */
    async removeCopy(args: { volumeId?: string; name: string; since?: number }) {
      const what = `delete temporary disk ${args.volumeId ?? args.name}`;
      return s.waited<Removal>(what, args.since, (c) => waitStage(s.policy, what, args.since, () => removeCopy(c, args), s.step('delete')));
    },

    /** A wait until the snapshot is gone, asking for its deletion until the cloud accepts. */
    async removeSnapshot(args: { snapshotId?: string; name: string; since?: number }) {
      const what = `delete snapshot ${args.snapshotId ?? args.name}`;
      return s.waited<Removal>(what, args.since, (c) =>
        waitStage(s.policy, what, args.since, () => removeSnapshot(c, args), s.step('delete')),
      );
    },
  };
}
