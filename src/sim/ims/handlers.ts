// IMS (Glance-compatible v2): image detail, list, delete, tags (cloud-api.md §5).
// Not implemented: /v2/cloudimages and /v1/cloudimages (native IMS), image create/update (PATCH), members,
// `sort=` syntax, `created_at`/`updated_at` comparison filters, tag quota (IMG.0116), protected images.
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { addTag, deleteImage, getImage, type ImageQuery, queryImages, removeTag } from '../model/images';
import { RuleError } from '../model/rule-error';
import { renderImage } from './render';

const SORT_KEYS: ImageQuery['sortKey'][] = ['created_at', 'updated_at', 'name', 'id', 'status', 'min_disk'];
const bad = (m: string) => new RuleError('IMG.0001', `The request message format is invalid. ${m}`);

export function showImage(ctx: Ctx): Reply {
  return { status: 200, body: renderImage(getImage(ctx.sim.world, ctx.params.image_id)) };
}

export function listImages(ctx: Ctx): Reply {
  const q = ctx.query;
  const opt = (k: string) => q.get(k) ?? undefined;
  const limit = q.has('limit') ? Number(q.get('limit')) : 25;
  if (!Number.isInteger(limit) || limit < 0 || limit > 1000) throw bad(`limit must be an integer in [0, 1000].`);
  const sortKey = (opt('sort_key') ?? 'created_at') as ImageQuery['sortKey'];
  if (!SORT_KEYS.includes(sortKey)) throw bad(`sort_key must be one of ${SORT_KEYS.join(', ')}.`);
  const sortDir = opt('sort_dir') ?? 'desc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw bad('sort_dir must be asc or desc.');
  const { page, more } = queryImages(ctx.sim.world, {
    name: opt('name'),
    owner: opt('owner'),
    status: opt('status'),
    visibility: opt('visibility'),
    imagetype: opt('__imagetype'),
    tags: q.getAll('tag'),
    marker: opt('marker'),
    limit,
    sortKey,
    sortDir,
  });
  // Glance's paging links: `first` repeats the query without marker, `next` adds the last id as marker.
  const rest = new URLSearchParams([...q].filter(([k]) => k !== 'marker'));
  const link = (extra?: string) => {
    const p = new URLSearchParams(rest);
    if (extra) p.set('marker', extra);
    const s = p.toString();
    return s ? `/v2/images?${s}` : '/v2/images';
  };
  const body: Record<string, unknown> = { images: page.map(renderImage), first: link(), schema: '/v2/schemas/images' };
  if (more && page.length) body.next = link(page[page.length - 1].id);
  return { status: 200, body };
}

export function removeImage(ctx: Ctx): Reply {
  deleteImage(ctx.sim.world, ctx.params.image_id);
  return { status: 204 };
}

export function putTag(ctx: Ctx): Reply {
  addTag(ctx.sim.world, ctx.params.image_id, ctx.params.tag);
  return { status: 204 };
}

export function deleteTag(ctx: Ctx): Reply {
  removeTag(ctx.sim.world, ctx.params.image_id, ctx.params.tag);
  return { status: 204 };
}
