// Seeded images (a lineage of golden images, others' public or shared ones) and the boot image a seeded server names.
import type { SeedImage, SeedMember } from '../types';
import { TAG } from './images';
import type { ImageRec, MemberRec, MemberStatus } from './records';
import { AdminError } from './rule-error';
import type { World } from './world';

const STATUSES = ['queued', 'saving', 'active', 'killed'];
const VISIBILITIES = ['private', 'shared', 'public'];
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function buildImage(w: World, s: SeedImage, now: number): ImageRec {
  if (typeof s.name !== 'string' || !s.name) throw new AdminError('every image needs a name');
  const what = `image ${s.name}`;
  const status = s.status ?? 'active';
  if (!STATUSES.includes(status)) throw new AdminError(`${what}: status must be one of ${STATUSES.join(', ')}`);
  if (s.visibility !== undefined && !VISIBILITIES.includes(s.visibility))
    throw new AdminError(`${what}: visibility must be one of ${VISIBILITIES.join(', ')}`);
  if (s.tags !== undefined && (!Array.isArray(s.tags) || s.tags.some((t) => typeof t !== 'string' || !TAG.test(t))))
    throw new AdminError(`${what}: tags must be 1-255 letters, digits, _ or - (as PUT …/tags/{tag} takes them)`);
  if (s.owner !== undefined && (typeof s.owner !== 'string' || !s.owner)) throw new AdminError(`${what}: owner must be a project id`);
  if (s.minDisk !== undefined && (!Number.isInteger(s.minDisk) || s.minDisk < 0))
    throw new AdminError(`${what}: minDisk must be a non-negative integer`);
  const created = s.createdAt === undefined ? now : Date.parse(s.createdAt);
  if (typeof created !== 'number' || Number.isNaN(created)) throw new AdminError(`${what}: createdAt must be an ISO 8601 time`);
  const owner = s.owner ?? w.account.projectId;
  const members = (s.members ?? []).map((m) => buildMember(what, m, owner, now));
  if (new Set(members.map((m) => m.memberId)).size < members.length) throw new AdminError(`${what}: a member is listed twice`);
  const visibility = s.visibility ?? (members.length ? 'shared' : 'private');
  // Glance: public images have no members.
  if (visibility === 'public' && members.length) throw new AdminError(`${what}: a public image has no members`);
  return {
    id: s.id ?? w.rng.uuid(),
    name: s.name,
    owner,
    status: status as ImageRec['status'],
    protected: !!s.protected,
    visibility,
    members,
    diskFormat: 'zvhd2',
    containerFormat: 'bare',
    osType: 'Linux',
    minDisk: s.minDisk ?? 40,
    tags: [...new Set(s.tags ?? [])],
    volumeId: null,
    origin: 'seed',
    bootable: s.bootable ?? true,
    createdAt: created,
    updatedAt: created,
    activeAt: status === 'active' ? created : null,
  };
}

function buildMember(what: string, m: SeedMember, owner: string, now: number): MemberRec {
  const o: { id?: unknown; status?: unknown } = typeof m === 'string' ? { id: m } : typeof m === 'object' && m !== null ? m : {};
  const { id, status = 'accepted' } = o;
  if (typeof id !== 'string' || !id) throw new AdminError(`${what}: a member needs a project id`);
  if (typeof status !== 'string' || !MEMBER_STATUSES.includes(status))
    throw new AdminError(`${what}: member status must be one of ${MEMBER_STATUSES.join(', ')}`);
  // IMS: IMG.0076 "You cannot share an image with yourself."
  if (id === owner) throw new AdminError(`${what}: the owner cannot be a member`);
  return { memberId: id, status: status as MemberStatus, createdAt: now, updatedAt: now };
}

/**
 * The image id a seeded server booted from: `''` → null (booted from a disk), omitted → a random id, else an
 * image of this seed or the world by id, then by name (unique), else any UUID (an image the sim does not hold).
 */
export function bootImage(w: World, ref: string | undefined, seeded: ImageRec[], server: string): string | null {
  if (ref === undefined) return w.rng.uuid();
  if (typeof ref !== 'string') throw new AdminError(`server ${server}: image must be an image id or name`);
  if (ref === '') return null;
  const all = [...seeded, ...w.images.values()];
  if (all.some((i) => i.id === ref)) return ref;
  const named = all.filter((i) => i.name === ref);
  if (named.length > 1) throw new AdminError(`server ${server}: ${named.length} images are named ${JSON.stringify(ref)}; give the id`);
  if (named.length === 1) return named[0].id;
  if (UUID.test(ref)) return ref;
  throw new AdminError(`server ${server}: no image with id or name ${JSON.stringify(ref)}`);
}
