// EVS operations (§3.1 disk detail, §3.3 export to image, §3.8 snapshots and disks from snapshots).
import type { Caller } from '../call';
import type { EvsApi, Snapshot, Volume } from '../types';
import { toCreateSnapshotBody, toCreateVolumeBody, toUploadImageBody } from './requests';
import { resource } from './resources';
import { parseSnapshot, parseSnapshotList, parseUploadImage, parseVolume, parseVolumeList } from './results';
import { volumeActionURL } from './urls';

const PAGE = 1000;
// More pages than any project fills; a server that keeps answering full pages is broken.
const MAX_PAGES = 100;

export function evsApi(call: Caller): EvsApi {
  const volumes = resource<Volume>(call, {
    collection: 'volumes',
    ops: { get: 'evs.getVolume', list: 'evs.listVolumes', create: 'evs.createVolume', remove: 'evs.deleteVolume' },
    parseOne: parseVolume,
    parseList: parseVolumeList,
  });
  const snapshots = resource<Snapshot>(call, {
    collection: 'snapshots',
    ops: { get: 'evs.getSnapshot', list: 'evs.listSnapshots', create: 'evs.createSnapshot', remove: 'evs.deleteSnapshot' },
    parseOne: parseSnapshot,
    parseList: parseSnapshotList,
  });
  return {
    getVolume: volumes.get,
    findVolumes: volumes.find,
    createVolume: (opts, o) => volumes.create(toCreateVolumeBody(opts), o),
    deleteVolume: volumes.remove,
    async listVolumes(o) {
      const out: Volume[] = [];
      // Paged by marker (the last disk's id): EVS wants `offset` above 0 and below the number of disks.
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await volumes.page({ limit: PAGE, marker: out.at(-1)?.id }, o);
        out.push(...r);
        if (r.length < PAGE) break;
      }
      return out;
    },

    getSnapshot: snapshots.get,
    findSnapshots: snapshots.find,
    createSnapshot: (opts, o) => snapshots.create(toCreateSnapshotBody(opts), o),
    deleteSnapshot: snapshots.remove,

    uploadImage: async (volumeId, opts, o) =>
      call(
        {
          service: 'evs',
          op: 'evs.uploadImage',
          method: 'POST',
          url: (b) => volumeActionURL(b, volumeId),
          body: toUploadImageBody(opts),
          // 202: the export is accepted and runs asynchronously; no job id (§3.3).
          expect: [202],
          parse: parseUploadImage,
        },
        o,
      ),
  };
}
