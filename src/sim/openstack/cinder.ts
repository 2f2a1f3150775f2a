// Vanilla Cinder v3's export (cloud-api.md §6.4, §6.5 [O1, O2]): `POST /v3/{project_id}/volumes/{id}/action`
// `os-volume_upload_image`, checked as Cinder does — its JSON schema first (no unknown keys, so no `__os_type`;
// Cinder's disk formats; `visibility` and `protected` only from microversion 3.1), then the disk's status: only
// `available`, or `in-use` too when `force` is true AND the operator allows forced uploads (`enable_force_upload`,
// the sim's `allowForcedUpload`, default false as in Cinder); otherwise Cinder drops `force` and answers 400
// `Invalid volume: Volume <id> status must be available`. The accepted export runs on the shared model
// (model/exports.ts), so the oracle, faults (`upload-fail`) and timings are the EVS ones.
import { SimError } from '../errors';
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { beginUpload, type ExportRequest } from '../model/exports';
import type { ImageRec, VolumeRec } from '../model/records';
import { cinderTime } from '../time';
import { atLeast, type Microversion, requestedVersion, type VersionRange, versionHeaders } from './microversion';

export const CINDER_DISK_FORMATS = ['raw', 'vmdk', 'vdi', 'qcow2', 'vhd', 'vhdx', 'ploop'];
const VISIBILITIES = ['community', 'public', 'private', 'shared'];
const TRUE = ['true', '1', 'yes', 'y', 'on', 't'];
const FALSE = ['false', '0', 'no', 'n', 'off', 'f'];

const fault = (status: number, message: string) =>
  new SimError(status, { [status === 400 ? 'badRequest' : status === 404 ? 'itemNotFound' : 'computeFault']: { code: status, message } });

/** Cinder's API version range as the sim plays it (Cinder 2023.1). */
export const CINDER_VERSIONS: VersionRange = { service: 'volume', min: { major: 3, minor: 0 }, max: { major: 3, minor: 70 }, fault };

/** Cinder's jsonschema refusal: `Invalid input for field/attribute <path>. Value: <value>. <reason>`. */
const invalid = (path: string, value: unknown, reason: string) =>
  fault(400, `Invalid input for field/attribute ${path}. Value: ${typeof value === 'string' ? value : JSON.stringify(value)}. ${reason}`);

/** `parameter_types.boolean`: a JSON boolean or one of oslo's boolean strings. */
function boolParam(r: Record<string, unknown>, key: string): boolean | undefined {
  const v = r[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && TRUE.includes(v.toLowerCase())) return true;
  if (typeof v === 'string' && FALSE.includes(v.toLowerCase())) return false;
  throw invalid(key, v, `${JSON.stringify(v)} is not of type 'boolean', 'string'`);
}

interface CinderUpload extends ExportRequest {
  visibility: string;
  protected: boolean;
}

export function parseCinderUpload(body: unknown, mv: Microversion): CinderUpload {
  const root = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const o = root?.['os-volume_upload_image'];
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    throw invalid('os-volume_upload_image', o ?? null, "'os-volume_upload_image' is a required property");
  const r = o as Record<string, unknown>;
  const v31 = atLeast(mv, 3, 1);
  const allowed = ['image_name', 'force', 'disk_format', 'container_format', ...(v31 ? ['visibility', 'protected'] : [])];
  const extra = Object.keys(r).filter((k) => !allowed.includes(k));
  if (extra.length)
    throw invalid(
      'os-volume_upload_image',
      r,
      `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
    );
  const name = r.image_name;
  if (name === undefined) throw invalid('os-volume_upload_image', r, "'image_name' is a required property");
  if (typeof name !== 'string') throw invalid('image_name', name, `${JSON.stringify(name)} is not of type 'string'`);
  if (name.length < 1) throw invalid('image_name', name, `'${name}' is too short`);
  if (name.length > 255) throw invalid('image_name', name, `'${name}' is too long`);
  const diskFormat = r.disk_format ?? 'raw';
  if (typeof diskFormat !== 'string' || !CINDER_DISK_FORMATS.includes(diskFormat))
    throw invalid('disk_format', diskFormat, `'${String(diskFormat)}' is not one of ['${CINDER_DISK_FORMATS.join("', '")}']`);
  const containerFormat = r.container_format ?? 'bare';
  if (typeof containerFormat !== 'string')
    throw invalid('container_format', containerFormat, `${JSON.stringify(containerFormat)} is not of type 'string'`);
  const visibility = r.visibility ?? 'private';
  if (typeof visibility !== 'string' || !VISIBILITIES.includes(visibility))
    throw invalid('visibility', visibility, `'${String(visibility)}' is not one of ['${VISIBILITIES.join("', '")}']`);
  return {
    imageName: name,
    diskFormat,
    containerFormat,
    // Cinder sends no OS type; the image gets the disk's own metadata, if any.
    osType: 'linux',
    force: boolParam(r, 'force') ?? false,
    visibility,
    protected: boolParam(r, 'protected') ?? false,
  };
}

export function cinderVolumeAction(ctx: Ctx): Reply {
  const w = ctx.sim.world;
  const mv = requestedVersion(ctx.headers, CINDER_VERSIONS);
  const id = ctx.params.volume_id;
  const v = w.volumes.get(id);
  if (!v) throw fault(404, `Volume ${id} could not be found.`);
  const keys = typeof ctx.body === 'object' && ctx.body !== null ? Object.keys(ctx.body) : [];
  if (keys.length === 1 && keys[0] !== 'os-volume_upload_image') throw fault(400, `There is no such action: ${keys[0]}`);
  const req = parseCinderUpload(ctx.body, mv);
  // Sim-only lock (seeded `locked`), in EVS's words: vanilla Cinder has none.
  if (v.locked) throw fault(400, 'operation failed because of volume be locked');
  // cinder/volume/api.py copy_volume_to_image: without enable_force_upload the flag is dropped (and logged).
  const force = req.force && w.config.allowForcedUpload;
  const expected = force ? ['available', 'in-use'] : ['available'];
  if (!expected.includes(v.status)) throw fault(400, `Invalid volume: Volume ${v.id} status must be ${expected.join(' or ')}`);
  const failed = ctx.sim.takeFault('evs.uploadImage', [v.id], ['upload-fail']);
  const { image } = beginUpload(w, v, { ...req, force }, failed !== undefined);
  image.visibility = req.visibility === 'private' ? 'private' : req.visibility === 'public' ? 'public' : 'shared';
  image.protected = req.protected;
  return { status: 202, body: renderCinderUpload(v, image, req, mv), headers: versionHeaders(CINDER_VERSIONS, mv) };
}

/** The 202 body (Cinder's `volume-upload-to-image-response.json`; `visibility`, `protected` from 3.1). */
function renderCinderUpload(v: VolumeRec, image: ImageRec, req: CinderUpload, mv: Microversion): Record<string, unknown> {
  return {
    'os-volume_upload_image': {
      container_format: req.containerFormat,
      disk_format: req.diskFormat,
      display_description: v.description,
      id: v.id,
      image_id: image.id,
      image_name: image.name,
      ...(atLeast(mv, 3, 1) ? { protected: req.protected, visibility: req.visibility } : {}),
      size: v.size,
      status: 'uploading',
      updated_at: cinderTime(v.updatedAt),
      volume_type: null,
    },
  };
}
