// IMS images: creation by an export, deletion, tags and the Glance-style query (cloud-api.md §5).
import type { ImageRec } from './records';
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

export function getImage(w: World, id: string): ImageRec {
  const img = w.images.get(id);
  if (!img) throw new RuleError('IMG.0027', `Image ${id} could not be found.`);
  return img;
}

export function deleteImage(w: World, id: string, reason: 'api' | 'killed-ttl' = 'api'): void {
  const img = getImage(w, id);
  if (img.status === 'queued' || img.status === 'saving') throw new RuleError('IMG.0090', 'The image being created cannot be deleted.');
  w.engine.cancel('image', id);
  w.images.delete(id);
  w.events.emit('image.deleted', { imageId: id, name: img.name, reason });
}

export function addTag(w: World, id: string, tag: string): void {
  const img = getImage(w, id);
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(tag))
    throw new RuleError('IMG.0001', `The request message format is invalid. Invalid tag: ${JSON.stringify(tag)}`);
  if (!img.tags.includes(tag)) img.tags.push(tag);
  img.updatedAt = w.now();
}

export function removeTag(w: World, id: string, tag: string): void {
  const img = getImage(w, id);
  if (!img.tags.includes(tag)) throw new RuleError('IMG.0027', `Tag ${tag} not found on image ${id}.`);
  img.tags = img.tags.filter((t) => t !== tag);
  img.updatedAt = w.now();
}

export interface ImageQuery {
  name?: string;
  owner?: string;
  status?: string;
  visibility?: string;
  imagetype?: string;
  tags: string[];
  marker?: string;
  limit: number;
  sortKey: 'created_at' | 'updated_at' | 'name' | 'id' | 'status' | 'min_disk';
  sortDir: 'asc' | 'desc';
}

const SORT_FIELD: Record<ImageQuery['sortKey'], (i: ImageRec) => string | number> = {
  created_at: (i) => i.createdAt,
  updated_at: (i) => i.updatedAt,
  name: (i) => i.name,
  id: (i) => i.id,
  status: (i) => i.status,
  min_disk: (i) => i.minDisk,
};

/** Exact-match filters, stable sort (ties broken by id, like Glance), marker = last id of the previous page. */
export function queryImages(w: World, q: ImageQuery): { page: ImageRec[]; more: boolean } {
  const key = SORT_FIELD[q.sortKey];
  const dir = q.sortDir === 'asc' ? 1 : -1;
  const all = [...w.images.values()]
    .filter((i) => q.name === undefined || i.name === q.name)
    .filter((i) => q.owner === undefined || i.owner === q.owner)
    .filter((i) => q.status === undefined || i.status === q.status)
    // Every image the sim holds is a private one of this project.
    .filter(() => q.visibility === undefined || q.visibility === 'private')
    .filter(() => q.imagetype === undefined || q.imagetype === 'private')
    .filter((i) => q.tags.every((t) => i.tags.includes(t)))
    .sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0) * dir;
    });
  let start = 0;
  if (q.marker !== undefined) {
    const at = all.findIndex((i) => i.id === q.marker);
    if (at < 0) throw new RuleError('IMG.0001', `The request message format is invalid. Marker ${q.marker} could not be found.`);
    start = at + 1;
  }
  return { page: all.slice(start, start + q.limit), more: all.length > start + q.limit };
}
