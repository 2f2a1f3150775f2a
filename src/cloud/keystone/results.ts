// Keystone v3 token response (§2.1): the token itself is the `X-Subject-Token` header; the body carries its
// expiry, the scoped project and the service catalog.
import type { CatalogEndpoint, CatalogService } from '../catalog';
import { ResponseFormatError } from '../errors';
import { array, envelope, isObj, optStr, reqStr, time } from '../parse';

export interface TokenInfo {
  /** ms since epoch. */
  expiresAt: number;
  issuedAt: number | null;
  projectId: string | null;
  projectName: string | null;
  userId: string | null;
  userName: string | null;
  catalog: CatalogService[];
}

export function parseToken(body: unknown): TokenInfo {
  const t = envelope(body, 'token');
  const expires = time(t.expires_at);
  if (!expires) throw new ResponseFormatError(`token.expires_at: expected a timestamp, got ${JSON.stringify(t.expires_at)}`);
  const issued = time(t.issued_at);
  const project = isObj(t.project) ? t.project : undefined;
  const user = isObj(t.user) ? t.user : undefined;
  return {
    expiresAt: Date.parse(expires),
    issuedAt: issued ? Date.parse(issued) : null,
    projectId: project ? reqStr(project, 'id', 'token.project') : null,
    projectName: optStr(project?.name),
    userId: optStr(user?.id),
    userName: optStr(user?.name),
    catalog: parseCatalog(t.catalog),
  };
}

export function parseCatalog(v: unknown): CatalogService[] {
  return array(v)
    .filter(isObj)
    .map((s) => ({
      type: optStr(s.type) ?? '',
      name: optStr(s.name) ?? '',
      endpoints: array(s.endpoints)
        .filter(isObj)
        .map((e): CatalogEndpoint => ({
          ...(optStr(e.id) ? { id: optStr(e.id)! } : {}),
          interface: optStr(e.interface) ?? 'public',
          // `region_id` is the v3 field; `region` the deprecated duplicate (§1.1 shows both).
          region: optStr(e.region_id) ?? optStr(e.region),
          url: optStr(e.url) ?? '',
        }))
        .filter((e) => e.url !== ''),
    }));
}
