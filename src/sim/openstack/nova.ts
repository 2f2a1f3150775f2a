// Vanilla Nova v2.1 server reads (cloud-api.md §4.1, §6.5 [O3, O4, O11]) on the shared model: the ECS view
// (ecs/render.ts) without OTC's extras, shaped by the microversion asked for — `locked` from 2.9,
// `host_status` from 2.16, `tags` from 2.26 — and `fault` only on an ERROR server, as Nova shows it. The power
// actions are ECS's Nova-compatible ones (ecs/nova.ts), which are Nova's.
import { SimError } from '../errors';
import { FLAVOR, renderServer } from '../ecs/render';
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import type { ServerRec } from '../model/records';
import type { World } from '../model/world';
import { atLeast, type Microversion, requestedVersion, type VersionRange, versionHeaders } from './microversion';

const fault = (status: number, message: string) =>
  new SimError(status, { [status === 400 ? 'badRequest' : status === 404 ? 'itemNotFound' : 'computeFault']: { code: status, message } });

/** Nova's range as the sim plays it (2023.1), with the pre-2.27 header too. */
export const NOVA_VERSIONS: VersionRange = {
  service: 'compute',
  min: { major: 2, minor: 1 },
  max: { major: 2, minor: 95 },
  legacyHeader: 'x-openstack-nova-api-version',
  fault,
};

export function renderNovaServer(w: World, s: ServerRec, base: string, mv: Microversion): Record<string, unknown> {
  const ecs = renderServer(w, s);
  const self = `${base}/compute/v2.1/servers/${s.id}`;
  const body: Record<string, unknown> = {
    ...ecs,
    // Nova's own shapes: `image` with links ("" when booted from a volume), flavor by id before 2.47.
    image: s.imageId === null ? '' : { id: s.imageId, links: [{ rel: 'bookmark', href: `${base}/compute/images/${s.imageId}` }] },
    flavor: { id: FLAVOR, links: [{ rel: 'bookmark', href: `${base}/compute/flavors/${FLAVOR}` }] },
    metadata: {},
    'os-extended-volumes:volumes_attached': (ecs['os-extended-volumes:volumes_attached'] as { id: string }[]).map((v) => ({
      id: v.id,
      ...(atLeast(mv, 2, 3) ? { delete_on_termination: false } : {}),
    })),
    addresses: {},
    key_name: null,
    config_drive: '',
    links: [
      { rel: 'self', href: self },
      { rel: 'bookmark', href: self },
    ],
  };
  // OTC-only, or newer than the microversion asked, or admin-only.
  for (const k of ['sys_tags', 'OS-EXT-SRV-ATTR:root_device_name']) delete body[k];
  if (!atLeast(mv, 2, 9)) delete body.locked;
  if (!atLeast(mv, 2, 16)) delete body.host_status;
  if (!atLeast(mv, 2, 26)) delete body.tags;
  if (body.fault === null) delete body.fault;
  return body;
}

function find(ctx: Ctx): ServerRec {
  const id = ctx.params.server_id;
  const s = ctx.sim.world.servers.get(id);
  if (!s) throw fault(404, `Instance ${id} could not be found.`);
  return s;
}

export function showNovaServer(ctx: Ctx): Reply {
  const mv = requestedVersion(ctx.headers, NOVA_VERSIONS);
  return {
    status: 200,
    body: { server: renderNovaServer(ctx.sim.world, find(ctx), ctx.base, mv) },
    headers: versionHeaders(NOVA_VERSIONS, mv),
  };
}

/** `GET /servers/detail?limit&marker`: newest first (Nova's default `created_at desc`), `servers_links` when cut. */
export function listNovaServers(ctx: Ctx): Reply {
  const mv = requestedVersion(ctx.headers, NOVA_VERSIONS);
  const w = ctx.sim.world;
  const q = ctx.query;
  const raw = q.get('limit');
  const limit = raw === null ? 1000 : Number(raw);
  if (!Number.isInteger(limit) || limit < 0) throw fault(400, `Invalid input for query parameters limit. Value: ${raw}.`);
  const rows = [...w.servers.values()].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  let start = 0;
  const marker = q.get('marker');
  if (marker !== null) {
    const at = rows.findIndex((s) => s.id === marker);
    if (at < 0) throw fault(400, `marker [${marker}] not found`);
    start = at + 1;
  }
  const page = rows.slice(start, start + Math.min(limit, 1000));
  const body: Record<string, unknown> = { servers: page.map((s) => renderNovaServer(w, s, ctx.base, mv)) };
  if (page.length && start + page.length < rows.length) {
    const next = new URLSearchParams([...q].filter(([k]) => k !== 'marker'));
    next.set('marker', page[page.length - 1].id);
    body.servers_links = [{ rel: 'next', href: `${ctx.base}/compute/v2.1/servers/detail?${next.toString()}` }];
  }
  return { status: 200, body, headers: versionHeaders(NOVA_VERSIONS, mv) };
}
