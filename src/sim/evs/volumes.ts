// EVS disk creation and deletion, and disk lists (cloud-api.md §3.8): the Cinder-compatible `volumes` form, which
// answers 202 with the new disk, and the native `cloudvolumes` form, which answers with an EVS job to poll.
// Not implemented: creation from an image, a backup or a disk; batches (`count` > 1); yearly/monthly billing
// (`bssParam`, `order_id`); `server_id`; tags; the native disk detail and list paths.
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { createEvsJob } from '../model/evs-jobs';
import { quotaExcess } from '../model/quotas';
import type { SnapshotRec } from '../model/records';
import { RuleError } from '../model/rule-error';
import { createVolume as newVolume, deleteVolume as removeVolume, type NewVolume } from '../model/volumes';
import { DEFAULT_VOLUME_TYPE, knownZone, VOLUME_TYPES } from '../model/zones';
import { listPage } from './lists';
import { renderEvsJob, renderVolume, renderVolumeSummary } from './render';
import { parseCreateVolume, REFUSALS, type VolumeForm } from './requests';

const MAX_GB = 32768;

/** Validates a creation request against the world, in the form's words. */
function checkCreate(ctx: Ctx, form: VolumeForm): NewVolume {
  const req = parseCreateVolume(ctx.body);
  const no = REFUSALS[form];
  const w = ctx.sim.world;
  if (!req.availabilityZone) throw no.azMissing();
  if (!req.volumeType) {
    const missing = no.typeMissing();
    if (missing) throw missing;
  }
  let snapshot: SnapshotRec | undefined;
  if (req.snapshotId !== undefined) {
    snapshot = w.snapshots.get(req.snapshotId);
    if (!snapshot) throw no.snapshotUnknown(req.snapshotId);
    if (snapshot.status !== 'available') throw no.snapshotNotAvailable(snapshot);
  }
  if (!knownZone(w, req.availabilityZone)) throw no.azUnknown(req.availabilityZone);
  if (req.volumeType !== undefined && !VOLUME_TYPES.includes(req.volumeType)) throw no.typeUnknown(req.volumeType);
  const size = req.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) throw no.sizeInvalid(size);
  if (size > MAX_GB) throw no.sizeTooLarge(size);
  if (snapshot) {
    if (size < snapshot.size) throw no.sizeBelowSnapshot(size, snapshot);
    if (req.availabilityZone !== snapshot.availabilityZone) throw no.azMismatch(req.availabilityZone, snapshot);
    if (req.volumeType !== undefined && req.volumeType !== snapshot.volumeType) throw no.typeMismatch(req.volumeType, snapshot);
  }
  const excess = quotaExcess(w, 'volumes', size);
  if (excess) throw no.quota(excess);
  return {
    name: req.name,
    size,
    availabilityZone: req.availabilityZone,
    volumeType: req.volumeType ?? snapshot?.volumeType ?? DEFAULT_VOLUME_TYPE,
    description: req.description,
    metadata: req.metadata,
    multiattach: req.multiattach,
    snapshot,
  };
}

function create(ctx: Ctx, form: VolumeForm) {
  const n = checkCreate(ctx, form);
  const op = form === 'cinder' ? 'evs.createVolume' : 'evs.createVolumeNative';
  const f = ctx.sim.takeFault(op, n.snapshot ? [n.snapshot.id] : [], ['create-fail']);
  const failure = f ? { code: f.code ?? 'EVS.2024', reason: f.message ?? 'volume is error!' } : undefined;
  return newVolume(ctx.sim.world, n, failure);
}

/** `POST /v2/{project_id}/volumes`: 202 with the disk, `creating`. */
export function createVolume(ctx: Ctx): Reply {
  return { status: 202, body: { volume: renderVolume(ctx.sim.world, create(ctx, 'cinder'), ctx.base) } };
}

/**
 * `POST …/cloudvolumes`: OTC's v2 answers 200 `{job_id}`; Huawei Cloud's v2.1 answers 202 with `job_id` and the new
 * disk's id in `volume_ids` (pay-per-use; `order_id` only for yearly/monthly billing, not simulated).
 */
export function createVolumeNative(version: 'v2' | 'v2.1') {
  return (ctx: Ctx): Reply => {
    const v = create(ctx, 'native');
    const job = createEvsJob(ctx.sim.world, v.id);
    return version === 'v2' ? { status: 200, body: { job_id: job.id } } : { status: 202, body: { job_id: job.id, volume_ids: [v.id] } };
  };
}

/** `prefix`: the API's path before the project, for the `next` link (`/volume/v3` in the openstack dialect). */
export function listVolumes(detail: boolean, prefix = '/evs/v2') {
  return (ctx: Ctx): Reply => {
    const w = ctx.sim.world;
    const { page, links } = listPage(
      ctx,
      [...w.volumes.values()],
      { name: (v) => v.name, status: (v) => v.status, availability_zone: (v) => v.availabilityZone },
      `${prefix}/${w.account.projectId}/volumes${detail ? '/detail' : ''}`,
    );
    const body: Record<string, unknown> = {
      volumes: page.map((v) => (detail ? renderVolume(w, v, ctx.base) : renderVolumeSummary(w, v, ctx.base))),
    };
    if (links) body.volumes_links = links;
    return { status: 200, body };
  };
}

/** `DELETE /v2/{project_id}/volumes/{id}[?cascade=true]`: 202, then `deleting`, then gone. */
export function deleteVolume(ctx: Ctx): Reply {
  const cascade = (ctx.query.get('cascade') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(cascade)) throw new RuleError('EVS.5400', `Invalid value for 'cascade': ${cascade}`);
  removeVolume(ctx.sim.world, ctx.params.volume_id, cascade === 'true' || cascade === '1');
  return { status: 202 };
}

/** `GET /v1/{project_id}/jobs/{job_id}` on the EVS host. */
export function getEvsJob(ctx: Ctx): Reply {
  const job = ctx.sim.world.evsJobs.get(ctx.params.job_id);
  if (!job) throw new RuleError('Common.0011', 'No jobs found.');
  return { status: 200, body: renderEvsJob(ctx.sim.world, job) };
}
