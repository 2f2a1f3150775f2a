// IMS / Glance v2 operations (§5.1 detail, §5.2 list by name, §5.3 delete, §5.4 tags).
import { type Caller, pageOptions } from '../call';
import { invalidResponse, ResponseFormatError } from '../errors';
import type { CallOptions, Image, ImsApi } from '../types';
import type { Query } from '../urls';
import { checkTag, toListQuery, toOwnerQuery, toTagQuery } from './requests';
import { parseImage, parseImagePage, parseMembers, type ImagePage } from './results';
import { imagesURL, imageURL, membersURL, nextPageURL, tagURL } from './urls';

/** More pages than any one name can fill; a server that keeps sending `next` is broken. */
const MAX_PAGES = 100;

export function imsApi(call: Caller): ImsApi {
  return {
    getImage: async (imageId, o) =>
      call({ service: 'ims', op: 'ims.getImage', method: 'GET', url: (b) => imageURL(b, imageId), expect: [200], parse: parseImage }, o),

    async findImages(filter, o) {
      const all = await listPages(call, toListQuery(filter), o);
      // Exact match on our side too: a server that ignores a filter must not make another image look like ours.
      return all.filter((i) => i.name === filter.name && ownedBy(filter.owner)(i));
    },

    async findImagesByTags(filter, o) {
      const all = await listPages(call, toTagQuery(filter), o);
      return all.filter((i) => filter.tags.every((t) => i.tags.includes(t)) && ownedBy(filter.owner)(i));
    },

    async listOwnImages(owner, o) {
      return (await listPages(call, toOwnerQuery(owner), o)).filter(ownedBy(owner));
    },

    listMembers: async (imageId, o) =>
      call(
        { service: 'ims', op: 'ims.listMembers', method: 'GET', url: (b) => membersURL(b, imageId), expect: [200], parse: parseMembers },
        o,
      ),

    deleteImage: async (imageId, o) =>
      call(
        {
          service: 'ims',
          op: 'ims.deleteImage',
          method: 'DELETE',
          url: (b) => imageURL(b, imageId),
          expect: [204],
          parse: () => undefined,
        },
        o,
      ),

    addTag: async (imageId, tag, o) => {
      checkTag(tag);
      return call(
        { service: 'ims', op: 'ims.addTag', method: 'PUT', url: (b) => tagURL(b, imageId, tag), expect: [204], parse: () => undefined },
        o,
      );
    },
  };
}

/** An image of this owner (any, when none is named): a server that ignores `owner` must not pass others' off as ours. */
const ownedBy = (owner: string | undefined) => (i: Image) => owner === undefined || i.owner === owner;

/** Every page of an image list, following `next` (§5.2). */
async function listPages(call: Caller, query: Query, o?: CallOptions): Promise<Image[]> {
  const out: Image[] = [];
  const seen = new Set<string>();
  let next: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const link: string | null = next;
    const r: ImagePage = await call(
      {
        service: 'ims',
        op: 'ims.listImages',
        method: 'GET',
        url: (b): string => (link ? nextPageURL(b, link) : imagesURL(b, query)),
        expect: [200],
        parse: parseImagePage,
      },
      pageOptions(o, page),
    );
    out.push(...r.images);
    if (!r.next) return out;
    if (seen.has(r.next)) break;
    seen.add(r.next);
    next = r.next;
  }
  throw invalidResponse(
    { service: 'ims', op: 'ims.listImages', method: 'GET', path: '/v2/images', status: 200 },
    new ResponseFormatError(`the image list does not end (more than ${MAX_PAGES} pages or a repeated next link)`),
  );
}
