// Tolerant readers shared by the results parsers. Documented quirks (§8.10) are accepted — booleans sent as
// strings, numbers as strings, "None", zoneless timestamps — while a missing identity field is an error
// (ResponseFormatError), so a wrong endpoint never looks like an empty resource.
import { ResponseFormatError } from './errors';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object under `key` of a wrapped body (`{"volume":{…}}`), or the body itself when `key` is undefined. */
export function envelope(body: unknown, key?: string): Obj {
  if (!isObj(body)) throw new ResponseFormatError(`expected a JSON object${key ? ` with "${key}"` : ''}, got ${describe(body)}`);
  if (key === undefined) return body;
  const v = body[key];
  if (!isObj(v)) throw new ResponseFormatError(`expected "${key}" to be an object, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : typeof v;
}

export function reqStr(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  throw new ResponseFormatError(`${where}.${key}: expected a non-empty string, got ${describe(v)}`);
}

/** A string, or null for absent/null/"" and the Python "None" some OTC examples carry (§8.10). */
export function optStr(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string' || v === '' || v === 'None') return null;
  return v;
}

/** `true`/`false`, or the strings "true"/"false"/"True"/"1"/"0" (EVS `bootable`, `shareable`, §3.1). */
export function bool(v: unknown, fallback = false): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no' || s === '') return false;
  }
  return fallback;
}

/** A number, or null; numeric strings ("20", §3.7 `min_disk`) are accepted. */
export function optNum(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/**
 * ISO timestamp with an explicit zone. Cinder/EVS write UTC without a zone (`2019-08-09T06:19:35.874737`, §3.1),
 * which JavaScript would read as local time; a `Z` is added. Empty, "None" and unparsable values become null.
 */
export function time(v: unknown): string | null {
  const s = optStr(v)?.trim();
  if (!s) return null;
  const withZone = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s) ? `${s}Z` : s;
  return Number.isNaN(Date.parse(withZone)) ? null : withZone;
}

/** A map of strings (metadata): other scalar values are stringified, nested values dropped. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return out;
}

export function array(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
