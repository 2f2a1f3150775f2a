// Endpoint selection. An explicit override always wins; otherwise the Keystone catalog (§1.1) is searched by
// service type in preference order, interface (public by default) and region. No endpoint is hard-coded: in
// AK/SK mode, where there is no token and so no catalog, the configured template is filled in instead.
import type { CloudConfig, EndpointInterface, ServiceKey } from './config';
import { EndpointNotFoundError } from './errors';

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

const LABEL: Record<ServiceKey, string> = { evs: 'block storage (EVS)', ecs: 'ECS', ims: 'image (IMS)' };

export interface SelectOptions {
  region?: string;
  interface?: EndpointInterface;
}

/** The base URL of `service` in `catalog` (no trailing slash). */
export function selectEndpoint(catalog: readonly CatalogService[], service: ServiceKey, o: SelectOptions = {}): string {
  const iface = o.interface ?? 'public';
  const types = SERVICE_TYPES[service];
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
      `the catalog has ${LABEL[service]} endpoints (type ${type}, interface ${iface}) in several regions: ${regions.join(', ')}; ` +
        'set the region (OS_REGION_NAME / region_name)',
    );
  }
  const offered = catalog
    .filter((s) => types.includes(s.type))
    .flatMap((s) => s.endpoints.map((e) => `${s.type}/${e.interface}/${e.region ?? '-'}`));
  throw new EndpointNotFoundError(
    `no ${LABEL[service]} endpoint in the catalog for types ${types.join(', ')}, interface ${iface}` +
      `${o.region ? `, region ${o.region}` : ''}; ${offered.length ? `offered: ${offered.join(', ')}` : 'none of these types is listed'}` +
      `; set an endpoint override (OS_ENDPOINT_OVERRIDE_${service.toUpperCase()})`,
  );
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
      `no endpoint for ${LABEL[service]}: set OS_ENDPOINT_OVERRIDE_${service.toUpperCase()} or OS_ENDPOINT_TEMPLATE`,
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
