// Image list query (§5.2): Glance's `name` filter is an exact match, `owner` limits to the project's images.
import type { ImageFilter, TagFilter } from '../types';
import type { Query } from '../urls';

/** Page size we ask for; the server may cap it (Glance default 25, §5.2). */
export const LIST_PAGE_SIZE = 100;
/** Glance's largest page (`api_limit_max`, §5.6): a larger limit is cut to it. */
const LIST_PAGE_MAX = 1000;

export function toListQuery(f: ImageFilter): Record<string, string | number | undefined> {
  if (typeof f.name !== 'string' || f.name === '') throw new TypeError('findImages: name is required');
  // A name Glance would read as an operator (`in:a,b`) is quoted, as Glance documents for the `in:` filter.
  const name = /^in:/.test(f.name) ? `in:"${f.name.replace(/"/g, '\\"')}"` : f.name;
  return { name, owner: f.owner, limit: LIST_PAGE_SIZE };
}

/** Images with every tag (Glance ANDs repeated `tag`), newest first. */
export function toTagQuery(f: TagFilter): Query {
  if (!Array.isArray(f.tags) || f.tags.length === 0) throw new TypeError('findImagesByTags: at least one tag is required');
  f.tags.forEach(checkTag);
  return { tag: f.tags, owner: f.owner, sort_key: 'created_at', sort_dir: 'desc', limit: LIST_PAGE_SIZE };
}

/**
 * Every image of the owner, oldest first: an image made while the pages are read comes last, not between pages
 * already read.
 */
export function toOwnerQuery(owner: string): Query {
  if (typeof owner !== 'string' || owner === '') throw new TypeError('listOwnImages: owner is required');
  return { owner, sort_key: 'created_at', sort_dir: 'asc', limit: LIST_PAGE_MAX };
}

/** Tags are keys (§5.4: digits, letters, `_`, `-`); IMS itself judges the characters, we only refuse an empty one. */
export function checkTag(tag: string): void {
  if (typeof tag !== 'string' || tag === '') throw new TypeError('addTag: tag is required');
}
