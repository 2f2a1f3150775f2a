// IMS / Glance v2 paths. The image endpoint has no version and no project (§1.1): `/v2/...` is appended here.
import { ResponseFormatError } from '../errors';
import { joinURL, type Query, withQuery } from '../urls';

export const imageURL = (base: string, imageId: string) => joinURL(base, 'v2', 'images', imageId);
export const imagesURL = (base: string, query: Query) => withQuery(joinURL(base, 'v2', 'images'), query);
export const membersURL = (base: string, imageId: string) => joinURL(base, 'v2', 'images', imageId, 'members');
export const tagURL = (base: string, imageId: string, tag: string) => joinURL(base, 'v2', 'images', imageId, 'tags', tag);

/**
 * The `next` link of an image list (§5.2) is a path + query relative to the endpoint root (`/v2/images?marker=…`).
 * An absolute link is accepted only on the endpoint's own origin: the token must not travel anywhere else.
 */
export function nextPageURL(base: string, next: string): string {
  if (/^https?:\/\//i.test(next)) {
    if (new URL(next).origin !== new URL(base).origin)
      throw new ResponseFormatError(`images.next points to another origin: ${new URL(next).origin}`);
    return next;
  }
  return `${base.replace(/\/+$/, '')}/${next.replace(/^\/+/, '')}`;
}
