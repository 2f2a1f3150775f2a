// URL building shared by the services (gophercloud's urls.go): every path segment is percent-encoded, query
// values use RFC 3986 encoding (space → %20, which the AK/SK signature and every server read the same way).
import { uriEncode } from './signer';

/** `base` + encoded segments; `base` is a catalog/override URL whose own path is kept. */
export function joinURL(base: string, ...segments: string[]): string {
  return [base.replace(/\/+$/, ''), ...segments.map((s) => encodeSegment(s))].join('/');
}

/** The single action URL of a resource (`…/volumes/{id}/action`, `…/cloudservers/action`); the body's key names the action. */
export function actionURL(base: string, ...segments: string[]): string {
  return joinURL(base, ...segments, 'action');
}

export type Query = Record<string, string | number | readonly string[] | undefined>;

/** Appends `?k=v&…` for the defined values, in the given order; a list repeats its key (Glance's `tag=a&tag=b`). */
export function withQuery(url: string, query: Query): string {
  const parts = Object.entries(query).flatMap(([k, v]) =>
    v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x: string | number) => `${uriEncode(k)}=${uriEncode(String(x))}`),
  );
  return parts.length ? `${url}?${parts.join('&')}` : url;
}

function encodeSegment(s: string): string {
  if (s === '' || s === '.' || s === '..') throw new TypeError(`invalid URL path segment ${JSON.stringify(s)}`);
  return uriEncode(s);
}
