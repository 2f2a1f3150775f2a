// IMS images: creation by an export, deletion, tags, members and the Glance-style query (cloud-api.md §5).
// Who sees what is Glance's: a project sees its own images, public ones and those shared with it.
import type { ImageRec, MemberStatus } from './records';
import { RuleError } from './rule-error';
import type { World } from './world';

export interface NewImage {
  name: string;
  diskFormat: string;
  containerFormat: string;
  osType: string;
  minDisk: number;
  volumeId: string;
  bootable: boolean;
}

export function createImage(w: World, n: NewImage): ImageRec {
  const now = w.now();
  const img: ImageRec = {
    ...n,
    id: w.rng.uuid(),
    owner: w.account.projectId,
    status: 'queued',
    protected: false,
    visibility: 'private',
    members: [],
    origin: 'api',
    tags: [],
    createdAt: now,
    updatedAt: now,
    activeAt: null,
  };
  w.images.set(img.id, img);
  w.events.emit('image.created', { imageId: img.id, name: img.name, volumeId: n.volumeId });
  return img;
}

export function setImageStatus(w: World, img: ImageRec, status: Exclude<ImageRec['status'], 'queued'>): void {
  img.status = status;
  img.updatedAt = w.now();
  if (status === 'active') img.activeAt = img.updatedAt;
  w.events.emit(`image.${status}`, { imageId: img.id, name: img.name });
}

/** Glance's visibility rule: own, public, or shared with the project (any member status). */
export function canSee(img: ImageRec, project: string): boolean {
  return img.owner === project || img.visibility === 'public' || img.members.some((m) => m.memberId === project);
}

/** The image as `project` may see it (default: the account's own project); others are 404, as Glance hides them. */
export function getImage(w: World, id: string, project = w.account.projectId): ImageRec {
  const img = w.images.get(id);
  if (!img || !canSee(img, project)) throw new RuleError('IMG.0027', `Image ${id} could not be found.`);
  return img;
}

/**
 * Glance's delete refusals in order: unseen 404, not the owner 403 (IMS: IMG.0094 public, IMG.0092 otherwise),
 * protected 403 IMG.0028, still being made 400 IMG.0090. An image in use by a server or disk, or shared with
 * other projects, is deleted: IMS's pages say so (cloud-api.md §5.3).
 */
export function deleteImage(w: World, id: string, reason: 'api' | 'killed-ttl' = 'api', project = w.account.projectId): void {
  const img = getImage(w, id, project);
  if (img.owner !== project) {
    if (img.visibility === 'public') throw new RuleError('IMG.0094', 'The public image cannot be deleted.');
    throw new RuleError('IMG.0092', 'The image can only be deleted by the owner.');
  }
  if (img.protected) throw new RuleError('IMG.0028', `Image ${id} is protected and cannot be deleted.`);
  if (img.status === 'queued' || img.status === 'saving') throw new RuleError('IMG.0090', 'The image being created cannot be deleted.');
  w.engine.cancel('image', id);
  w.images.delete(id);
  w.events.emit('image.deleted', { imageId: id, name: img.name, reason });
}

/** IMS tags (keys): letters, digits, `_`, `-`. */
export const TAG = /^[A-Za-z0-9_-]{1,255}$/;

export function addTag(w: World, id: string, tag: string): void {
  const img = getImage(w, id);
  if (!TAG.test(tag)) throw new RuleError('IMG.0001', `The request message format is invalid. Invalid tag: ${JSON.stringify(tag)}`);
  if (!img.tags.includes(tag)) img.tags.push(tag);
  img.updatedAt = w.now();
}

export function removeTag(w: World, id: string, tag: string): void {
  const img = getImage(w, id);
  if (!img.tags.includes(tag)) throw new RuleError('IMG.0027', `Tag ${tag} not found on image ${id}.`);
  img.tags = img.tags.filter((t) => t !== tag);
  img.updatedAt = w.now();
}

/** The members `project` may list (Glance: the owner sees all, a member only its own); public images have none. */
export function listMembers(w: World, id: string, project = w.account.projectId): ImageRec['members'] {
  const img = getImage(w, id, project);
  // Glance (Mitaka, which IMS answers by default) refuses only public images; later Glance also private ones.
  if (img.visibility === 'public')
    throw new RuleError('IMG.0026', `Error fetching members of image ${id}: Public images do not have members.`);
  return img.owner === project ? img.members : img.members.filter((m) => m.memberId === project);
}

export interface ImageQuery {
  /** The caller's project: what it may see, and whose membership `memberStatus` means. */
  project: string;
  id?: string;
  name?: string;
  owner?: string;
  status?: string;
  visibility?: string;
  imagetype?: string;
  protected?: boolean;
  /** Which images shared with the caller are listed (Glance default `accepted`). */
  memberStatus: MemberStatus | 'all';
  tags: string[];
  marker?: string;
  limit: number;
  sortKey: keyof typeof SORT_FIELD;
  sortDir: 'asc' | 'desc';
}

export const SORT_FIELD = {
  created_at: (i: ImageRec) => i.createdAt,
  updated_at: (i: ImageRec) => i.updatedAt,
  name: (i: ImageRec) => i.name,
  id: (i: ImageRec) => i.id,
  status: (i: ImageRec) => i.status,
  container_format: (i: ImageRec) => i.containerFormat,
  disk_format: (i: ImageRec) => i.diskFormat,
  // IMS: size is "unavailable"; every image renders 0.
  size: () => 0,
  min_disk: (i: ImageRec) => i.minDisk,
} satisfies Record<string, (i: ImageRec) => string | number>;

/** `__imagetype` from the caller's side (IMS: gold public, private own, shared someone else's). */
export function imageType(img: ImageRec, project: string): 'gold' | 'private' | 'shared' {
  return img.visibility === 'public' ? 'gold' : img.owner === project ? 'private' : 'shared';
}

/** Glance's listing: own and public images, and those shared with the caller whose membership has `memberStatus`. */
function listable(i: ImageRec, q: ImageQuery): boolean {
  if (i.owner === q.project || i.visibility === 'public') return true;
  const m = i.members.find((x) => x.memberId === q.project);
  return m !== undefined && (q.memberStatus === 'all' || m.status === q.memberStatus);
}

/** IMS: `visibility=private` leaves out private images shared with others; `shared` means shared with someone. */
function hasVisibility(i: ImageRec, v: string): boolean {
  const shared = i.visibility === 'shared' || i.members.length > 0;
  if (v === 'private') return i.visibility === 'private' && !shared;
  if (v === 'shared') return i.visibility !== 'public' && shared;
  return i.visibility === v;
}

/**
 * Exact-match filters, every `tag` (AND), sorted by the key then `created_at` then `id`, all in one direction
 * (Glance). The marker is any image the caller can see, deleted ones excepted (Glance: 400): the page starts after
 * its place in that order, so a marker that no longer matches the filters still pages on.
 */
export function queryImages(w: World, q: ImageQuery): { page: ImageRec[]; more: boolean } {
  const keys: ((i: ImageRec) => string | number)[] = [SORT_FIELD[q.sortKey], SORT_FIELD.created_at, SORT_FIELD.id];
  const dir = q.sortDir === 'asc' ? 1 : -1;
  const cmp = (a: ImageRec, b: ImageRec) => {
    for (const key of keys) {
      const [x, y] = [key(a), key(b)];
      if (x !== y) return (x < y ? -1 : 1) * dir;
    }
    return 0;
  };
  let rows = [...w.images.values()]
    .filter((i) => listable(i, q))
    .filter((i) => q.id === undefined || i.id === q.id)
    .filter((i) => q.name === undefined || i.name === q.name)
    .filter((i) => q.owner === undefined || i.owner === q.owner)
    .filter((i) => q.status === undefined || i.status === q.status)
    .filter((i) => q.visibility === undefined || hasVisibility(i, q.visibility))
    .filter((i) => q.imagetype === undefined || imageType(i, q.project) === q.imagetype)
    .filter((i) => q.protected === undefined || i.protected === q.protected)
    .filter((i) => q.tags.every((t) => i.tags.includes(t)))
    .sort(cmp);
  if (q.marker !== undefined) {
    const marker = w.images.get(q.marker);
    if (!marker || !canSee(marker, q.project))
      throw new RuleError('IMG.0001', `The request message format is invalid. Marker ${q.marker} could not be found.`);
    rows = rows.filter((i) => cmp(i, marker) > 0);
  }
  return { page: rows.slice(0, q.limit), more: rows.length > q.limit };
}
