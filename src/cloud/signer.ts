// AK/SK request signing "SDK-HMAC-SHA256", Variant A of cloud-api.md §2.2 (current Huawei SDKs and the Huawei
// signing guide; reproduces the guide's and the Go SDK's published test vectors, test/cloud/signer.test.ts).
// Variant B (gophertelekomcloud's `Credential=AK/scope` form) is not implemented.
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignableRequest {
  method: string;
  /** Absolute URL as sent on the wire. */
  url: string | URL;
  /** Must contain `X-Sdk-Date`; every header listed in `signedHeaders` must be here. */
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface SignOptions {
  ak: string;
  sk: string;
  /** Lower-case header names to sign; default every header in `headers`. */
  signedHeaders?: string[];
}

export interface SignResult {
  /** Value of the `Authorization` header. */
  authorization: string;
  signedHeaders: string;
  signature: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** `X-Sdk-Date`: UTC `YYYYMMDDTHHMMSSZ` (§2.2 step 1). */
export function sdkDate(d: Date = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** RFC 3986 percent-encoding: only `A-Za-z0-9-_.~` stay as they are. */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Each path segment URI-encoded, always ending with `/` (§2.2 step 2; the slash is only in the signature). */
export function canonicalURI(pathname: string): string {
  const p = pathname
    .split('/')
    .map((seg) => uriEncode(decodeSegment(seg)))
    .join('/');
  return p.endsWith('/') ? p : `${p}/`;
}

/** UTF-8 byte order, as Go's `sort.Strings` in the Huawei Go SDK. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * Keys sorted, repeated keys by value, `key=value` each URI-encoded (space → %20), joined by `&` (§2.2 step 2).
 * Sorted before encoding, as the Huawei Go and Node SDKs do (`é` sorts after `z`, although `%C3%A9` would not).
 */
export function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .sort(([ak, av], [bk, bv]) => byBytes(ak, bk) || byBytes(av, bv))
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .join('&');
}

function headerMap(headers: Record<string, string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) m.set(k.toLowerCase(), v);
  return m;
}

function bodyHash(req: SignableRequest, headers: Map<string, string>): string {
  const given = headers.get('x-sdk-content-sha256');
  if (given) return given;
  if (req.body === undefined || req.body.length === 0) return EMPTY_SHA256;
  return createHash('sha256').update(req.body).digest('hex');
}

export function canonicalRequest(req: SignableRequest, signedHeaders: string[]): string {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const headers = headerMap(req.headers);
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const v = headers.get(name);
      if (v === undefined) throw new Error(`signer: header ${name} is listed as signed but not present`);
      return `${name}:${v.trim()}\n`;
    })
    .join('');
  return [
    req.method.toUpperCase(),
    canonicalURI(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders.join(';'),
    bodyHash(req, headers),
  ].join('\n');
}

/**
 * The Huawei Go SDK's choice of signed headers (§2.2): every header except `content-type*` and names containing
 * `_`; `host` only if the caller set it. Its published test vectors are computed with this choice.
 */
export function goSdkSignedHeaders(headers: Record<string, string>): string[] {
  return Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => !h.startsWith('content-type') && !h.includes('_'));
}

/** Signs a request (§2.2 steps 2–5). The caller sets `X-Sdk-Date` (and `X-Project-Id`) and sends `authorization`. */
export function sign(req: SignableRequest, o: SignOptions): SignResult {
  const headers = headerMap(req.headers);
  const date = headers.get('x-sdk-date');
  if (!date) throw new Error('signer: the X-Sdk-Date header is required');
  const names = [...new Set((o.signedHeaders ?? [...headers.keys()]).map((h) => h.toLowerCase()))].sort();
  const cr = canonicalRequest(req, names);
  const stringToSign = `${ALGORITHM}\n${date}\n${createHash('sha256').update(cr).digest('hex')}`;
  const signature = createHmac('sha256', o.sk).update(stringToSign).digest('hex');
  const signedHeaders = names.join(';');
  return {
    authorization: `${ALGORITHM} Access=${o.ak}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signedHeaders,
    signature,
    canonicalRequest: cr,
    stringToSign,
  };
}
