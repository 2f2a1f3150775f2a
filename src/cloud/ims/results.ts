// IMS / Glance v2 image parsers (§5.1 flat image object, §5.2 list page with optional `next`).
import { ResponseFormatError } from '../errors';
import type { Image, ImageMember } from '../types';
import { array, bool, envelope, isObj, optNum, optStr, reqStr, time, type Obj } from '../parse';

/** `GET /v2/images/{id}` → the image object, no wrapper. */
export function parseImage(body: unknown): Image {
  return toImage(envelope(body));
}

export function toImage(i: Obj): Image {
  return {
    id: reqStr(i, 'id', 'image'),
    name: optStr(i.name) ?? '',
    status: reqStr(i, 'status', 'image'),
    owner: optStr(i.owner),
    visibility: optStr(i.visibility),
    tags: array(i.tags).filter((t): t is string => typeof t === 'string'),
    diskFormat: optStr(i.disk_format),
    containerFormat: optStr(i.container_format),
    minDisk: optNum(i.min_disk),
    createdAt: time(i.created_at),
    updatedAt: time(i.updated_at),
    dataOrigin: optStr(i.__data_origin),
    protected: bool(i.protected),
  };
}

/** `GET /v2/images/{id}/members` → `{"members":[…]}`. */
export function parseMembers(body: unknown): ImageMember[] {
  return array(envelope(body).members)
    .filter(isObj)
    .map((m) => ({ memberId: reqStr(m, 'member_id', 'members[]'), status: optStr(m.status) ?? '' }));
}

export interface ImagePage {
  images: Image[];
  /** Path + query of the next page, absent on the last one. */
  next: string | null;
}

/** `GET /v2/images?…` → `{"images":[…],"next"?}`. */
export function parseImagePage(body: unknown): ImagePage {
  const b = envelope(body);
  if (!Array.isArray(b.images)) throw new ResponseFormatError('expected "images" to be an array');
  return { images: b.images.filter(isObj).map(toImage), next: optStr(b.next) };
}
