// Microversions of the vanilla services (cloud-api.md §6.5): `OpenStack-API-Version: volume 3.1` for Cinder,
// `OpenStack-API-Version: compute 2.9` or the older `X-OpenStack-Nova-API-Version: 2.9` for Nova. Absent = the
// base version (3.0, 2.1); `latest` = the newest; a malformed one is 400, one outside the range 406 — in each
// service's words (cinder/nova `api_version_request.py`, `wsgi.py`).
import type { IncomingHttpHeaders } from 'node:http';
import { SimError } from '../errors';

export interface Microversion {
  major: number;
  minor: number;
}

export interface VersionRange {
  /** `volume`, `compute`. */
  service: string;
  min: Microversion;
  max: Microversion;
  /** Nova's header from before 2.27. */
  legacyHeader?: string;
  fault: (status: number, message: string) => SimError;
}

export const atLeast = (v: Microversion, major: number, minor: number) => v.major > major || (v.major === major && v.minor >= minor);
export const show = (v: Microversion) => `${v.major}.${v.minor}`;

const first = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(',') : h);

/** The requested microversion, validated against the range. */
export function requestedVersion(headers: IncomingHttpHeaders | undefined, r: VersionRange): Microversion {
  let raw: string | undefined;
  for (const part of (first(headers?.['openstack-api-version']) ?? '').split(',')) {
    const [service, version] = part.trim().split(/\s+/);
    if (service?.toLowerCase() === r.service && version) raw = version;
  }
  if (raw === undefined && r.legacyHeader) raw = first(headers?.[r.legacyHeader])?.trim() || undefined;
  if (raw === undefined) return r.min;
  if (raw.toLowerCase() === 'latest') return r.max;
  const m = /^([1-9]\d*)\.(0|[1-9]\d*)$/.exec(raw);
  if (!m) throw r.fault(400, `API Version String ${raw} is of invalid format. Must be of format MajorNum.MinorNum.`);
  const v = { major: Number(m[1]), minor: Number(m[2]) };
  if (!atLeast(v, r.min.major, r.min.minor) || !atLeast(r.max, v.major, v.minor))
    throw r.fault(406, `Version ${raw} is not supported by the API. Minimum is ${show(r.min)} and maximum is ${show(r.max)}.`);
  return v;
}

/** The headers a microversioned answer carries. */
export function versionHeaders(r: VersionRange, v: Microversion): Record<string, string> {
  return {
    'OpenStack-API-Version': `${r.service} ${show(v)}`,
    Vary: r.legacyHeader ? `OpenStack-API-Version, ${r.legacyHeader}` : 'OpenStack-API-Version',
    ...(r.legacyHeader ? { [r.legacyHeader.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())]: show(v) } : {}),
  };
}
