// Version discovery documents, which keystoneauth and openstacksdk read before any other call (unauthenticated,
// as on the real services): Keystone's `GET /` and `GET /v3` (IAM "Querying the Keystone API Version List",
// "Querying Information About Keystone API Version 3.0"), EVS's `GET /` and `GET /{v2,v3}` (Cinder's shapes, EVS
// "Querying Information of API Versions"), ECS's Nova `GET /` and `GET /v2.1` (ECS "Querying API Versions (Native
// OpenStack API)": v2.1 from 2.1 to 2.60), IMS's Glance `GET /` (IMS "Querying API Versions (Native OpenStack
// API)": 300, v2.0 to v2.2 with `self` links to /v2/). The sim's path prefixes play the hosts, so the documents'
// links are built from the address the client used. Without them the SDK finds no image API at all ("exists but
// does not have any supported versions") and uses no microversion (docs/cloud-api.md §12).
// The openstack dialect's services (openstack/routes.ts) answer the same way under their own prefixes: Cinder
// `/volume` (v3 only: v2 went in Xena), Nova `/compute`, Glance `/image`, with the ranges their microversion
// checks enforce.
import type { Ctx, ServiceRoute } from './http/context';
import type { Reply } from './http/io';
import { CINDER_VERSIONS } from './openstack/cinder';
import { show } from './openstack/microversion';
import { NOVA_VERSIONS } from './openstack/nova';

type Link = { rel: string; href: string; type?: string };

const link = (href: string): Link => ({ rel: 'self', href });
const describedBy: Link = { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' };

// Keystone: IAM answers v3.6 "stable", in Keystone's own shapes (a `values` wrapper in the list).
function keystoneVersion(ctx: Ctx): Record<string, unknown> {
  return {
    status: 'stable',
    updated: '2016-04-04T00:00:00Z',
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    id: 'v3.6',
    links: [link(`${ctx.base}/v3/`)],
  };
}

/** One Cinder version under `prefix`: its id (`v2.0`, `v3.0`), path, microversion range and status. */
function cinderVersion(ctx: Ctx, prefix: string, id: string, min: string, max: string, status: string, updated: string) {
  return {
    id,
    status,
    version: max,
    min_version: min,
    updated,
    links: [describedBy, link(`${ctx.base}${prefix}/${id.slice(0, 2)}/`)],
    'media-types': [{ base: 'application/json', type: `application/vnd.openstack.volume+json;version=${id.slice(1, 2)}` }],
  };
}

// EVS: Cinder's v2 (no microversions) and v3 (3.0 to 3.50, cloud-api.md §3.6 [E9]); OTC recommends v2, so the
// sim marks v3 CURRENT as Cinder does and v2 SUPPORTED as EVS's example does.
const evsV2 = (ctx: Ctx) => cinderVersion(ctx, '/evs', 'v2.0', '', '', 'SUPPORTED', '2014-06-28T12:20:21Z');
const evsV3 = (ctx: Ctx) => cinderVersion(ctx, '/evs', 'v3.0', '3.0', '3.50', 'CURRENT', '2016-02-08T12:20:21Z');
const cinderV3 = (ctx: Ctx) =>
  cinderVersion(ctx, '/volume', 'v3.0', show(CINDER_VERSIONS.min), show(CINDER_VERSIONS.max), 'CURRENT', '2023-03-01T00:00:00Z');

/** Nova's versions under `prefix` (`/ecs` on OTC, `/compute` in the openstack dialect), v2.1 up to `max`. */
function novaVersions(ctx: Ctx, prefix: string, max: string): Record<string, unknown>[] {
  const entry = (id: string, path: string, min: string, maxVersion: string, status: string, updated: string) => ({
    id,
    status,
    version: maxVersion,
    min_version: min,
    updated,
    links: [link(`${ctx.base}${prefix}/${path}/`)],
  });
  return [
    entry('v2.0', 'v2', '', '', 'SUPPORTED', '2011-01-21T11:33:21Z'),
    entry('v2.1', 'v2.1', '2.1', max, 'CURRENT', '2013-07-23T11:33:21Z'),
  ];
}
const ecsVersions = (ctx: Ctx) => novaVersions(ctx, '/ecs', '2.60');
const computeVersions = (ctx: Ctx) => novaVersions(ctx, '/compute', show(NOVA_VERSIONS.max));

/** Glance's versions under `prefix`, newest first: `/ims` v2.0 to v2.2 as IMS documents; `/image` to v2.16 (2023.1). */
function glanceVersions(ctx: Ctx, prefix: string, newest: number): Record<string, unknown>[] {
  const v2 = [link(`${ctx.base}${prefix}/v2/`)];
  return Array.from({ length: newest + 1 }, (_, i) => newest - i).map((minor) => ({
    status: minor === newest ? 'CURRENT' : 'SUPPORTED',
    id: `v2.${minor}`,
    links: v2,
  }));
}

const doc = (status: number, body: unknown): Reply => ({ status, body });

const route = (service: ServiceRoute['service'], op: ServiceRoute['op'], path: string, handle: (ctx: Ctx) => Reply): ServiceRoute => ({
  method: 'GET',
  path,
  service,
  op,
  public: true,
  targets: () => [],
  handle,
});

// A trailing slash is ignored by the router; the host root of the sim's single origin is the empty path. Root
// lists answer 300 (Multiple Choices) where the service does, Nova's 200.
export const versionRoutes: ServiceRoute[] = [
  route('keystone', 'keystone.versions', '', (ctx) => doc(300, { versions: { values: [keystoneVersion(ctx)] } })),
  route('keystone', 'keystone.versions', '/v3', (ctx) => doc(200, { version: keystoneVersion(ctx) })),
  route('evs', 'evs.versions', '/evs', (ctx) => doc(300, { versions: [evsV2(ctx), evsV3(ctx)] })),
  route('evs', 'evs.versions', '/evs/v2', (ctx) => doc(200, { versions: [evsV2(ctx)] })),
  route('evs', 'evs.versions', '/evs/v3', (ctx) => doc(200, { versions: [evsV3(ctx)] })),
  route('ecs', 'ecs.versions', '/ecs', (ctx) => doc(200, { versions: ecsVersions(ctx) })),
  route('ecs', 'ecs.versions', '/ecs/v2.1', (ctx) => doc(200, { version: ecsVersions(ctx)[1] })),
  route('ims', 'ims.versions', '/ims', (ctx) => doc(300, { versions: glanceVersions(ctx, '/ims', 2) })),
  // The openstack dialect's services.
  route('cinder', 'evs.versions', '/volume', (ctx) => doc(300, { versions: [cinderV3(ctx)] })),
  route('cinder', 'evs.versions', '/volume/v3', (ctx) => doc(200, { versions: [cinderV3(ctx)] })),
  route('nova', 'ecs.versions', '/compute', (ctx) => doc(200, { versions: computeVersions(ctx) })),
  route('nova', 'ecs.versions', '/compute/v2.1', (ctx) => doc(200, { version: computeVersions(ctx)[1] })),
  route('glance', 'ims.versions', '/image', (ctx) => doc(300, { versions: glanceVersions(ctx, '/image', 16) })),
];
