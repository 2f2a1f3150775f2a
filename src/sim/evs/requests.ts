// Request bodies of snapshot and disk creation (cloud-api.md §3.8). Shape errors are EVS.5400 with Cinder's
// wording; the refusals that depend on the world differ by API form and are listed in REFUSALS.
import type { QuotaExcess } from '../model/quotas';
import type { SnapshotRec } from '../model/records';
import { RuleError } from '../model/rule-error';

const bad = (message: string) => new RuleError('EVS.5400', message);
type Obj = Record<string, unknown>;

function root(body: unknown, key: string): Obj {
  const o = (body as Obj | undefined)?.[key];
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad(`Missing required element '${key}' in request body.`);
  return o as Obj;
}

function optText(o: Obj, key: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(`Invalid input received: ${key} must be a string.`);
  if (Buffer.byteLength(v) > 255) throw bad(`Invalid input received: ${key} has more than 255 characters.`);
  return v;
}

function metadata(o: Obj): Record<string, string> {
  const m = o.metadata;
  if (m === undefined || m === null) return {};
  if (typeof m !== 'object' || Array.isArray(m) || Object.values(m).some((v) => typeof v !== 'string'))
    throw bad('Invalid input received: metadata must map strings to strings (values cannot be null).');
  for (const [k, v] of Object.entries(m as Record<string, string>))
    if (k.length > 255 || v.length > 255)
      throw bad(`Invalid input received: Metadata property key or value of ${k} greater than 255 characters.`);
  return { ...(m as Record<string, string>) };
}

/** Cinder reads `force` with strutils.bool_from_string(strict=True). */
function bool(o: Obj, key: string): boolean {
  const v = o[key];
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 't', 'f', 'y', 'n'].includes(v.toLowerCase()))
    return ['true', '1', 'yes', 'on', 't', 'y'].includes(v.toLowerCase());
  throw bad(`Invalid value for '${key}': ${JSON.stringify(v)}`);
}

export interface CreateSnapshotRequest {
  volumeId: string;
  force: boolean;
  name: string;
  description: string | null;
  metadata: Record<string, string>;
}

export function parseCreateSnapshot(body: unknown): CreateSnapshotRequest {
  const s = root(body, 'snapshot');
  if (typeof s.volume_id !== 'string' || !s.volume_id) throw bad("'volume_id' must be specified");
  return {
    volumeId: s.volume_id,
    force: bool(s, 'force'),
    name: optText(s, 'name') ?? '',
    description: optText(s, 'description'),
    metadata: metadata(s),
  };
}

/** The source volume id a snapshot request names, for fault targets; tolerant of malformed bodies. */
export function snapshotTargets(body: unknown): string[] {
  const id = ((body as Obj | undefined)?.snapshot as Obj | undefined)?.volume_id;
  return typeof id === 'string' ? [id] : [];
}

export interface CreateVolumeRequest {
  name: string;
  /** Validated against the snapshot and the limits by the handler (its refusal depends on the form). */
  size: unknown;
  availabilityZone: string | undefined;
  volumeType: string | undefined;
  description: string | null;
  metadata: Record<string, string>;
  multiattach: boolean;
  snapshotId: string | undefined;
}

const UNSUPPORTED = ['imageRef', 'source_volid', 'source_replica', 'backup_id', 'consistencygroup_id'];

export function parseCreateVolume(body: unknown): CreateVolumeRequest {
  const v = root(body, 'volume');
  for (const key of UNSUPPORTED)
    if (v[key] !== undefined && v[key] !== null) throw bad(`Invalid input received: the simulator does not implement ${key}.`);
  if (v.count !== undefined && v.count !== null && Math.trunc(Number(v.count)) !== 1)
    throw bad('Invalid input received: the simulator creates one disk per request (count 1).');
  const str = (key: string): string | undefined => {
    const x = v[key];
    if (x === undefined || x === null || x === '') return undefined;
    if (typeof x !== 'string') throw bad(`Invalid input received: ${key} must be a string.`);
    return x;
  };
  const multiattach = v.multiattach;
  if (multiattach !== undefined && multiattach !== null && typeof multiattach !== 'boolean')
    throw bad(`Invalid input received: multiattach ${JSON.stringify(multiattach)} is not a boolean.`);
  return {
    name: optText(v, 'name') ?? '',
    size: v.size,
    availabilityZone: str('availability_zone'),
    volumeType: str('volume_type'),
    description: optText(v, 'description'),
    metadata: metadata(v),
    multiattach: multiattach === true,
    snapshotId: str('snapshot_id'),
  };
}

/** The snapshot a disk request names, for fault targets; tolerant of malformed bodies. */
export function volumeTargets(body: unknown): string[] {
  const id = ((body as Obj | undefined)?.volume as Obj | undefined)?.snapshot_id;
  return typeof id === 'string' ? [id] : [];
}

export type VolumeForm = 'cinder' | 'native';

interface Refusals {
  azMissing(): RuleError;
  azUnknown(az: string): RuleError;
  typeMissing(): RuleError | undefined;
  typeUnknown(type: string): RuleError;
  sizeInvalid(size: unknown): RuleError;
  sizeTooLarge(size: number): RuleError;
  sizeBelowSnapshot(size: number, s: SnapshotRec): RuleError;
  snapshotUnknown(id: string): RuleError;
  snapshotNotAvailable(s: SnapshotRec): RuleError;
  azMismatch(az: string, s: SnapshotRec): RuleError;
  typeMismatch(type: string, s: SnapshotRec): RuleError;
  quota(e: QuotaExcess): RuleError;
}

const gigabytesMsg = (e: QuotaExcess) =>
  `Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${e.requested}G, quota is ${e.limit}G and ${e.consumed}G has been consumed.`;

/** The Cinder-compatible form's 413 (EVS.5413) with Cinder's text (its QuotaError is `safe`: the class name leads). */
export function cinderQuotaError(e: QuotaExcess): RuleError {
  if (e.quota === 'gigabytes') return new RuleError('EVS.5413', `VolumeSizeExceedsAvailableQuota: ${gigabytesMsg(e)}`);
  if (e.quota === 'volumes')
    return new RuleError('EVS.5413', `VolumeLimitExceeded: Maximum number of volumes allowed (${e.limit}) exceeded for quota 'volumes'.`);
  return new RuleError('EVS.5413', `SnapshotLimitExceeded: Maximum number of snapshots allowed (${e.limit}) exceeded`);
}

// Both forms: the disk type must be the snapshot's source's (EVS.2096, the create page and error table).
const typeMismatch = (type: string, s: SnapshotRec) =>
  new RuleError('EVS.2096', `Target volumeType[${type}] is not matched with snapshot[${s.id}] !`);

export const REFUSALS: Record<VolumeForm, Refusals> = {
  // Cinder's messages under EVS.5400 / EVS.5404 / EVS.5413, except where EVS documents its own code for the case.
  cinder: {
    azMissing: () => new RuleError('EVS.2053', 'The az information from request is invalid!'),
    azUnknown: (az) => bad(`Availability zone '${az}' is invalid.`),
    typeMissing: () => undefined,
    typeUnknown: (t) => new RuleError('EVS.5404', `Volume type with name ${t} could not be found.`),
    sizeInvalid: (size) => bad(`Invalid input received: Volume size '${String(size)}' must be an integer and greater than 0`),
    sizeTooLarge: (size) =>
      new RuleError('EVS.5413', `VolumeSizeExceedsLimit: Requested volume size ${size}G is larger than maximum allowed limit 32768G.`),
    sizeBelowSnapshot: (size, s) =>
      bad(
        `Invalid input received: Volume size '${size}'GB cannot be smaller than the snapshot size ${s.size}GB. They must be >= original snapshot size.`,
      ),
    snapshotUnknown: (id) => new RuleError('EVS.5404', `Snapshot ${id} could not be found.`),
    snapshotNotAvailable: () => bad("Invalid snapshot: Originating snapshot status must be one of 'available' values"),
    azMismatch: () => bad('Invalid input received: Volume must be in the same availability zone as the snapshot'),
    typeMismatch,
    quota: cinderQuotaError,
  },
  // The native API's own codes from EVS's error table (all 400).
  native: {
    azMissing: () => new RuleError('EVS.2083', 'AZ and volume type must not be empty or null!'),
    azUnknown: () => new RuleError('EVS.1036', 'invalid availability zone!'),
    typeMissing: () => new RuleError('EVS.2083', 'AZ and volume type must not be empty or null!'),
    typeUnknown: () => new RuleError('EVS.1020', 'invalid volume type!'),
    sizeInvalid: () => new RuleError('EVS.1010', 'invalid volume size!'),
    sizeTooLarge: () => new RuleError('EVS.1010', 'invalid volume size!'),
    sizeBelowSnapshot: () => new RuleError('EVS.1010', 'invalid volume size!'),
    snapshotUnknown: () => new RuleError('EVS.2045', 'invalid snapshot_id!'),
    snapshotNotAvailable: () => new RuleError('EVS.2043', 'The status of snapshot is not available or backing-up.'),
    azMismatch: () => new RuleError('EVS.2054', 'Cannot create volume from snapshot as the az is invalid!'),
    typeMismatch,
    quota: (e) =>
      e.quota === 'gigabytes'
        ? new RuleError('EVS.1042', 'volume gigabytes exceeded volume gigabytes quota!')
        : new RuleError('EVS.1034', 'volume count exceeded volume count quota!'),
  },
};
