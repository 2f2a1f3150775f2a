// IMS (Glance-compatible v2): image detail, list, delete, tags, members (cloud-api.md §5).
// Not implemented: /v2/cloudimages and /v1/cloudimages (native IMS), image create/update (PATCH), adding or
// updating members, `sort=` syntax, `created_at`/`updated_at` comparison filters, `__platform`/`__os_*`/`__support_*`
// filters, tag quota (IMG.0116), `delete_backup`.
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { addTag, deleteImage, getImage, type ImageQuery, listMembers, queryImages, removeTag, SORT_FIELD } from '../model/images';
import { RuleError } from '../model/rule-error';
import { secondsZ } from '../time';
import { renderImage } from './render';

const SORT_KEYS = Object.keys(SORT_FIELD) as ImageQuery['sortKey'][];
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected', 'all'] as const;
const VISIBILITIES = ['public', 'private', 'shared'];
// Glance's `limit_param_default` and `api_limit_max`: a larger limit is cut to the cap, not refused.
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
const bad = (m: string) => new RuleError('IMG.0001', `The request message format is invalid. ${m}`);

const project = (ctx: Ctx) => ctx.token?.projectId ?? ctx.sim.world.account.projectId;

export function showImage(ctx: Ctx): Reply {
  return { status: 200, body: renderImage(getImage(ctx.sim.world, ctx.params.image_id, project(ctx)), project(ctx)) };
}

export function listImages(ctx: Ctx): Reply {
  const q = ctx.query;
  const opt = (k: string) => q.get(k) ?? undefined;
  const limit = parseLimit(opt('limit'));
  const sortKey = (opt('sort_key') ?? 'created_at') as ImageQuery['sortKey'];
  if (!SORT_KEYS.includes(sortKey)) throw bad(`Invalid sort key: ${sortKey}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  const sortDir = opt('sort_dir') ?? 'desc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw bad(`Invalid sort direction: ${sortDir}`);
  const memberStatus = (opt('member_status') ?? 'accepted') as ImageQuery['memberStatus'];
  if (!MEMBER_STATUSES.includes(memberStatus)) throw bad(`Invalid status: ${memberStatus}`);
  const visibility = opt('visibility');
  if (visibility !== undefined && !VISIBILITIES.includes(visibility)) throw bad(`Invalid visibility value: ${visibility}`);
  const prot = opt('protected');
  if (prot !== undefined && prot !== 'true' && prot !== 'false') throw bad(`Invalid protected value: ${prot}`);
  const { page, more } = queryImages(ctx.sim.world, {
    project: project(ctx),
    id: opt('id'),
    name: opt('name'),
    owner: opt('owner'),
    status: opt('status'),
    visibility,
    imagetype: opt('__imagetype'),
    protected: prot === undefined ? undefined : prot === 'true',
    memberStatus,
    tags: q.getAll('tag').map((t) => t.trim()),
    marker: opt('marker'),
    limit,
    sortKey,
    sortDir,
  });
  // Glance's paging links are built from `dict(request.params)`: one value per key, the last one, so a query that
  // repeats `tag` keeps only its last tag in `first` and `next` (every Glance release does this). `next` is left
  // out on the last page, as IMS's page says (Glance sends it whenever the page is full).
  const rest = new Map([...q].filter(([k]) => k !== 'marker'));
  const link = (marker?: string) => {
    const p = new URLSearchParams([...rest]);
    if (marker) p.set('marker', marker);
    const s = p.toString();
    return s ? `/v2/images?${s}` : '/v2/images';
  };
  const body: Record<string, unknown> = {
    images: page.map((i) => renderImage(i, project(ctx))),
    first: link(),
    schema: '/v2/schemas/images',
  };
  if (more && page.length) body.next = link(page[page.length - 1].id);
  return { status: 200, body };
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) throw bad('limit param must be an integer');
  if (n < 0) throw bad('limit param must be positive');
  return Math.min(n, MAX_LIMIT);
}

export function removeImage(ctx: Ctx): Reply {
  deleteImage(ctx.sim.world, ctx.params.image_id, 'api', project(ctx));
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

/** Glance "List image members" / IMS "Querying Image Sharing Members". */
export function showMembers(ctx: Ctx): Reply {
  const id = ctx.params.image_id;
  const members = listMembers(ctx.sim.world, id, project(ctx)).map((m) => ({
    member_id: m.memberId,
    image_id: id,
    status: m.status,
    created_at: secondsZ(m.createdAt),
    updated_at: secondsZ(m.updatedAt),
    schema: '/v2/schemas/member',
  }));
  return { status: 200, body: { members, schema: '/v2/schemas/members' } };
}
