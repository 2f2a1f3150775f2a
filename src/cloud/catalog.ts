// Endpoint selection. An explicit override always wins; otherwise the Keystone catalog (§1.1) is searched by
// service type in preference order, interface (public by default) and region. No endpoint is hard-coded: in
// AK/SK mode, where there is no token and so no catalog, the configured template is filled in instead.
import type { CloudConfig, EndpointInterface, ServiceKey } from './config';
import { EndpointNotFoundError } from './errors';
import { type Profile, SERVICE_LABELS } from './profile';

export interface CatalogEndpoint {
  id?: string;
  interface: string;
  region: string | null;
  url: string;
}

export interface CatalogService {
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}

/**
 * Catalog types per service, best first (§1.1; gophertelekomcloud picks volumev2 for EVS, ecs, image). OTC's
 * EVS paths are v2 (§1.2), so `volumev2` beats `volumev3`; vanilla clouds often list only `volumev3`/`block-storage`.
 */
export const SERVICE_TYPES: Record<ServiceKey, readonly string[]> = {
  evs: ['volumev2', 'evs', 'volumev3', 'block-storage', 'volume'],
  ecs: ['ecs'],
  ims: ['image'],
};

/**
 * The same for a vanilla OpenStack cloud (§6.5): Cinder v3 (`volumev2` is gone since Xena; `block-storage` is the
 * official type name, `volume` what many catalogs still say), Nova as `compute`, Glance as `image`.
 */
export const OPENSTACK_SERVICE_TYPES: Record<ServiceKey, readonly string[]> = {
  evs: ['volumev3', 'block-storage', 'volume'],
  ecs: ['compute'],
  ims: ['image'],
};

const TYPES_OF: Record<Profile, Record<ServiceKey, readonly string[]>> = { otc: SERVICE_TYPES, openstack: OPENSTACK_SERVICE_TYPES };

const WHAT: Record<ServiceKey, string> = { evs: 'block storage', ecs: 'compute', ims: 'image' };
const label = (service: ServiceKey, profile: Profile) =>
  service === 'ecs' ? SERVICE_LABELS[profile].ecs : `${WHAT[service]} (${SERVICE_LABELS[profile][service]})`;

export interface SelectOptions {
  region?: string;
  interface?: EndpointInterface;
  /** Which catalog types stand for each service; default `otc`. */
  profile?: Profile;
}

/** The base URL of `service` in `catalog` (no trailing slash). */
export function selectEndpoint(catalog: readonly CatalogService[], service: ServiceKey, o: SelectOptions = {}): string {
  const iface = o.interface ?? 'public';
  const profile = o.profile ?? 'otc';
  const types = TYPES_OF[profile][service];
  const what = label(service, profile);
  for (const type of types) {
    const eps = catalog
      .filter((s) => s.type === type)
      .flatMap((s) => s.endpoints)
      .filter((e) => e.interface === iface);
    if (eps.length === 0) continue;
    if (o.region) {
      // OTC lists some endpoints with region "*" (§1.1): they serve every region.
      const inRegion = eps.filter((e) => e.region === o.region || e.region === '*' || !e.region);
      if (inRegion.length) return trim(inRegion[0].url);
      continue;
    }
    const regions = [...new Set(eps.map((e) => e.region ?? ''))];
    const urls = [...new Set(eps.map((e) => trim(e.url)))];
    if (urls.length === 1 || regions.length === 1) return urls[0];
    throw new EndpointNotFoundError(
      `the catalog has ${what} endpoints (type ${type}, interface ${iface}) in several regions: ${regions.join(', ')}; ` +
        'set the region (OS_REGION_NAME / region_name)',
    );
  }
  const offered = catalog
    .filter((s) => types.includes(s.type))
    .flatMap((s) => s.endpoints.map((e) => `${s.type}/${e.interface}/${e.region ?? '-'}`));
  throw new EndpointNotFoundError(
    `no ${what} endpoint in the catalog for types ${types.join(', ')}, interface ${iface}` +
      `${o.region ? `, region ${o.region}` : ''}; ${offered.length ? `offered: ${offered.join(', ')}` : 'none of these types is listed'}` +
      `; set an endpoint override (OS_ENDPOINT_OVERRIDE_${service.toUpperCase()})` +
      (profile === 'otc' && service === 'ecs' ? ', or EVS_EXPORT_PROFILE=openstack for a vanilla OpenStack cloud (Nova)' : ''),
  );
}

/**
 * A vanilla catalog may list an unversioned endpoint (`https://cinder:8776`, `https://nova:8774`) or Cinder's `/v3`
 * without the project: the version (and the project, which Cinder v3 paths need) is added here (§6.5).
 */
export function completeOpenStackEndpoint(url: string, service: ServiceKey, projectId: string): string {
  const u = trim(url);
  const path = new URL(u).pathname;
  if (service === 'evs') {
    if (/\/v3$/.test(path)) return `${u}/${projectId}`;
    return /\/v\d+(\.\d+)?(\/|$)/.test(path) ? u : `${u}/v3/${projectId}`;
  }
  if (service === 'ecs') return /\/v2(\.\d+)?(\/|$)/.test(path) ? u : `${u}/v2.1`;
  return u;
}

// Paths appended to the template host per service (§1.1): EVS v2 and ECS v1 carry the project id; IMS has no
// version (the client appends /v2/...).
const TEMPLATE_PATHS: Record<ServiceKey, string> = { evs: '/v2/{project_id}', ecs: '/v1/{project_id}', ims: '' };

/**
 * The endpoint of `service` without a catalog: the override, else `endpointTemplate` with `{service}` (evs, ecs,
 * ims), `{region}` and `{project_id}` filled in, plus the service path of §1.1 — e.g. the template
 * `https://{service}.{region}.otc.t-systems.com` gives `https://evs.eu-de.otc.t-systems.com/v2/<project>`.
 */
export function templateEndpoint(cfg: CloudConfig, service: ServiceKey, projectId: string): string {
  const override = cfg.endpointOverrides[service];
  if (override) return fillProject(override, projectId);
  if (!cfg.endpointTemplate)
    throw new EndpointNotFoundError(
      `no endpoint for ${label(service, 'otc')}: set OS_ENDPOINT_OVERRIDE_${service.toUpperCase()} or OS_ENDPOINT_TEMPLATE`,
    );
  const host = cfg.endpointTemplate.replace(/\{service\}/g, service).replace(/\{region\}/g, cfg.region ?? '');
  return fillProject(trim(host) + TEMPLATE_PATHS[service], projectId);
}

/** Replaces the project placeholders that catalogs and openstacksdk overrides use. */
export function fillProject(url: string, projectId: string): string {
  return trim(url.replace(/\{project_id\}|\{tenant_id\}|[%$]\((project_id|tenant_id)\)s/g, projectId));
}

/** Normalises the IMS base: it has no version (§1.1), so a trailing `/v2` is dropped; the client appends `/v2/...`. */
export function imageBase(url: string): string {
  return trim(url).replace(/\/v2(\.\d+)?$/, '');
}

const trim = (u: string) => u.replace(/\/+$/, '');
