// The API gateway's side of AK/SK signing "SDK-HMAC-SHA256" (cloud-api.md §2.2, Variant A): the canonical request
// rebuilt from the request exactly as it arrived, with the SignedHeaders list the client named. Written from the
// reference, not from the client (src/cloud/signer.ts), so that each checks the other; test/sim/aksk.test.ts
// reproduces the published vectors with it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A request as the gateway received it. */
export interface WireRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded (`/ims/v2/images?name=a+b`). */
  target: string;
  /** Header names in lower case, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

/** The parts of `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>` (§2.2 step 5). */
export interface AuthorizationParts {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

/** The parts of the header, or undefined when it is not Variant A's three fields. */
export function parseAuthorization(value: string): AuthorizationParts | undefined {
  const m = /^SDK-HMAC-SHA256\s+Access=([^\s,]+)\s*,\s*SignedHeaders=([^\s,]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$/.exec(value);
  if (!m) return undefined;
  return { accessKey: m[1], signedHeaders: m[2].split(';'), signature: m[3].toLowerCase() };
}

export function header(req: WireRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** RFC 3986 percent-encoding of the UTF-8 bytes: only `A-Za-z0-9-_.~` stay as they are. */
function encode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const unreserved =
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      (b >= 0x30 && b <= 0x39) ||
      b === 0x2d ||
      b === 0x5f ||
      b === 0x2e ||
      b === 0x7e;
    out += unreserved ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Byte order of the UTF-8 spelling (Go's `sort.Strings`, which the Huawei Go SDK uses). */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The path, each segment decoded then encoded again, ending with `/` (in the signature only). */
export function canonicalPath(rawPath: string): string {
  const p = rawPath
    .split('/')
    .map((seg) => encode(decode(seg)))
    .join('/');
  return p.endsWith('/') ? p : `${p}/`;
}

/**
 * The query: pairs decoded (`+` is a space, as in a form), sorted by key and then by value as they are — the
 * Huawei SDKs sort before encoding — then `key=value`, each encoded, joined by `&`; '' without a query.
 */
export function canonicalQuery(rawQuery: string): string {
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const [k, v] = i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
      return [decode(k.replace(/\+/g, ' ')), decode(v.replace(/\+/g, ' '))] as const;
    })
    .sort(([ak, av], [bk, bv]) => byBytes(ak, bk) || byBytes(av, bv))
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
}

/** The canonical request of §2.2 step 2; throws if a signed header is not in the request. */
export function canonicalRequest(req: WireRequest, signedHeaders: string[]): string {
  const q = req.target.indexOf('?');
  const path = q < 0 ? req.target : req.target.slice(0, q);
  const query = q < 0 ? '' : req.target.slice(q + 1);
  const headers = signedHeaders
    .map((name) => {
      const v = header(req, name);
      if (v === undefined) throw new MissingSignedHeader(name);
      return `${name}:${v.trim()}\n`;
    })
    .join('');
  const given = header(req, 'x-sdk-content-sha256');
  const bodyHash = given ?? (req.body.length === 0 ? EMPTY_BODY_SHA256 : sha256(req.body));
  return [req.method.toUpperCase(), canonicalPath(path), canonicalQuery(query), headers, signedHeaders.join(';'), bodyHash].join('\n');
}

export class MissingSignedHeader extends Error {
  constructor(readonly header: string) {
    super(`signed header ${header} is not in the request`);
  }
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256(canonical)}`;
}

/** Hex HMAC-SHA256 of the string to sign, keyed with the SK (§2.2 step 4). */
export function signature(secretKey: string, toSign: string): string {
  return createHmac('sha256', secretKey).update(toSign).digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
