// EVS operations (§3.1 disk detail, §3.3 export to image, §3.8 snapshots and disks from snapshots).
import type { Caller } from '../call';
import type { EvsApi, Volume } from '../types';
import { toCreateSnapshotBody, toCreateVolumeBody, toNameQuery, toUploadImageBody } from './requests';
import { parseSnapshot, parseSnapshotList, parseUploadImage, parseVolume, parseVolumeList } from './results';
import { snapshotsDetailURL, snapshotsURL, snapshotURL, volumeActionURL, volumesDetailURL, volumesURL, volumeURL } from './urls';

// Deletes answer 202 and finish asynchronously (`deleting`, then 404).
const ACCEPTED = [202];
const none = () => undefined;

const PAGE = 1000;
const MAX_PAGES = 100;

export function evsApi(call: Caller): EvsApi {
  return {
    async listVolumes(o) {
      const out: Volume[] = [];
      // Paged by marker (the last disk's id): EVS wants `offset` above 0 and below the number of disks.
      for (let page = 0; page < MAX_PAGES; page++) {
        const query = { limit: PAGE, marker: out.at(-1)?.id };
        const r = await call(
          {
            service: 'evs',
            op: 'evs.listVolumes',
            method: 'GET',
            url: (b) => volumesDetailURL(b, query),
            expect: [200],
            parse: parseVolumeList,
          },
          o,
        );
        out.push(...r);
        if (r.length < PAGE) return out;
      }
      return out;
    },

    getVolume: async (volumeId, o) =>
      call(
        { service: 'evs', op: 'evs.getVolume', method: 'GET', url: (b) => volumeURL(b, volumeId), expect: [200], parse: parseVolume },
        o,
      ),

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

    findVolumes: async (name, o) => {
      const query = toNameQuery(name, 'findVolumes');
      const all = await call(
        {
          service: 'evs',
          op: 'evs.listVolumes',
          method: 'GET',
          url: (b) => volumesDetailURL(b, query),
          expect: [200],
          parse: parseVolumeList,
        },
        o,
      );
      return all.filter((v) => v.name === name);
    },

    createVolume: async (opts, o) =>
      call(
        {
          service: 'evs',
          op: 'evs.createVolume',
          method: 'POST',
          url: volumesURL,
          body: toCreateVolumeBody(opts),
          expect: [200, 202],
          parse: parseVolume,
        },
        o,
      ),

    deleteVolume: async (volumeId, o) =>
      call(
        { service: 'evs', op: 'evs.deleteVolume', method: 'DELETE', url: (b) => volumeURL(b, volumeId), expect: ACCEPTED, parse: none },
        o,
      ),

    getSnapshot: async (snapshotId, o) =>
      call(
        {
          service: 'evs',
          op: 'evs.getSnapshot',
          method: 'GET',
          url: (b) => snapshotURL(b, snapshotId),
          expect: [200],
          parse: parseSnapshot,
        },
        o,
      ),

    findSnapshots: async (name, o) => {
      const query = toNameQuery(name, 'findSnapshots');
      const all = await call(
        {
          service: 'evs',
          op: 'evs.listSnapshots',
          method: 'GET',
          url: (b) => snapshotsDetailURL(b, query),
          expect: [200],
          parse: parseSnapshotList,
        },
        o,
      );
      return all.filter((s) => s.name === name);
    },

    createSnapshot: async (opts, o) =>
      call(
        {
          service: 'evs',
          op: 'evs.createSnapshot',
          method: 'POST',
          url: snapshotsURL,
          body: toCreateSnapshotBody(opts),
          expect: [200, 202],
          parse: parseSnapshot,
        },
        o,
      ),

    deleteSnapshot: async (snapshotId, o) =>
      call(
        {
          service: 'evs',
          op: 'evs.deleteSnapshot',
          method: 'DELETE',
          url: (b) => snapshotURL(b, snapshotId),
          expect: ACCEPTED,
          parse: none,
        },
        o,
      ),
  };
}
