// EVS operations (§3.1 disk detail, §3.3 export to image, §3.8 snapshots and disks from snapshots). On a vanilla
// OpenStack cloud the same calls are Cinder v3's (§6.5): the paths are the same under the `volumev3` endpoint; only
// the export's body, its microversion and the reading of its refusal differ (cinderUpload below).
import { type Caller, pageOptions } from '../call';
import { CloudError, CloudRequestError, isStatus } from '../errors';
import { OTC_DISK_FORMATS } from '../../formats';
import { CINDER_DISK_FORMATS } from '../profile';
import type { CallOptions, EvsApi, Snapshot, UploadImageOpts, UploadImageResult, Volume } from '../types';
import { toCinderUploadImageBody, toCreateSnapshotBody, toCreateVolumeBody, toUploadImageBody } from './requests';
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
  async function allVolumes(filter: { status?: string }, o?: CallOptions): Promise<Volume[]> {
    const out: Volume[] = [];
    // Paged by marker (the last disk's id): EVS wants `offset` above 0 and below the number of disks.
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await volumes.page({ ...filter, limit: PAGE, marker: out.at(-1)?.id }, pageOptions(o, page));
      out.push(...r);
      if (r.length < PAGE) return out;
    }
    // A filtered listing answers "which disks are in this status": a cut one would say "not" of the rest.
    if (filter.status !== undefined) throw new Error(`EVS listVolumes: more than ${MAX_PAGES} pages of disks in status ${filter.status}`);
    return out;
  }
  return {
    getVolume: volumes.get,
    findVolumes: volumes.find,
    createVolume: (opts, o) => volumes.create(toCreateVolumeBody(opts), o),
    deleteVolume: volumes.remove,
    listVolumes: (o) => allVolumes({}, o),
    listVolumesIn: (status, o) => allVolumes({ status }, o),

    getSnapshot: snapshots.get,
    findSnapshots: snapshots.find,
    createSnapshot: (opts, o) => snapshots.create(toCreateSnapshotBody(opts), o),
    deleteSnapshot: snapshots.remove,

    uploadImage: async (volumeId, opts, o) => {
      if ((await call.profile(o)) === 'openstack') return cinderUpload(call, volumeId, opts, o);
      if (opts.diskFormat !== undefined && !(OTC_DISK_FORMATS as readonly string[]).includes(opts.diskFormat))
        throw unsupportedFormat(opts.diskFormat, 'EVS', OTC_DISK_FORMATS, "vanilla Cinder's");
      return call(
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
      );
    },
  };
}

/** Microversion 3.1: the first with `visibility` and `protected` in the export (§6.4). */
export const CINDER_UPLOAD_MICROVERSION = { 'OpenStack-API-Version': 'volume 3.1' } as const;

/**
 * Cinder's refusal of a forced export of an in-use disk on a cloud whose operator has not set
 * `enable_force_upload = True` (the default): Cinder drops `force` and finds the disk not `available` (§6.5).
 */
const FORCE_REFUSED = /status must be available(?! or in-use)/i;

async function cinderUpload(call: Caller, volumeId: string, opts: UploadImageOpts, o?: CallOptions): Promise<UploadImageResult> {
  if (opts.diskFormat !== undefined && !(CINDER_DISK_FORMATS as readonly string[]).includes(opts.diskFormat))
    throw unsupportedFormat(opts.diskFormat, 'Cinder', CINDER_DISK_FORMATS, "Open Telekom Cloud's and Huawei Cloud's");
  try {
    return await call(
      {
        service: 'evs',
        op: 'evs.uploadImage',
        method: 'POST',
        url: (b) => volumeActionURL(b, volumeId),
        body: toCinderUploadImageBody(opts),
        headers: CINDER_UPLOAD_MICROVERSION,
        expect: [202],
        parse: parseUploadImage,
      },
      o,
    );
  } catch (err) {
    if (opts.force && isStatus(err, 400) && FORCE_REFUSED.test(err.cloudMessage)) throw forcedUploadRefused(err, volumeId);
    throw err;
  }
}

/** A disk format the other dialect's cloud takes, refused before sending (§6.5). */
function unsupportedFormat(format: string, serviceLabel: string, accepted: readonly string[], whose: string): CloudRequestError {
  return new CloudRequestError({
    service: 'evs',
    op: 'evs.uploadImage',
    method: 'POST',
    path: '',
    code: 'UnsupportedDiskFormat',
    serviceLabel,
    detail:
      `disk format ${JSON.stringify(format)} is ${whose}; ${serviceLabel === 'EVS' ? 'this cloud' : 'vanilla Cinder'} exports ` +
      `${accepted.join(', ')} (default ${serviceLabel === 'EVS' ? 'zvhd2' : 'raw'}): choose one of these`,
  });
}

function forcedUploadRefused(err: CloudError, volumeId: string): CloudError {
  return new CloudError(
    {
      service: err.service,
      op: err.op,
      method: err.method,
      path: err.path,
      status: err.status,
      code: err.code,
      cloudMessage: err.cloudMessage,
      requestId: err.requestId,
      serviceLabel: err.serviceLabel,
      ...(err.details?.length ? { details: err.details } : {}),
    },
    `${err.message} — this cloud does not allow forced uploads: Cinder ignored "force" for disk ${volumeId}, which stays ` +
      '"in-use" while attached even with its servers stopped, because the operator has not set enable_force_upload = True ' +
      'in cinder.conf (off by default). Ask the operator to enable it, or export with the snapshot strategy ' +
      '(--strategy snapshot: a temporary copy is "available" and needs no force), or detach the disk first.',
  );
}
