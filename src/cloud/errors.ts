// Errors of the cloud client: one CloudError for every refused request, transport failures mapped once into
// CloudError subclasses, a parser for every documented error body shape, and the single `classify()` that the
// activities turn into Temporal failures (src/activities/failures.ts).
//
// Secrets (password, token, AK/SK) never reach a message, a property or a `cause`: the client passes its
// current secrets to `redact()` before any text from the wire or from undici is stored (P7).
import { STATUS_CODES } from 'node:http';
import { SERVICE_LABEL, type OpName, type ServiceName } from './ops';

/** Where a request went and what came back. */
export interface CloudErrorInit {
  service: ServiceName;
  op: OpName;
  method: string;
  /** URL path only: no origin, no query string (a query could carry a name or a marker, never a secret, but keep it out). */
  path: string;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** Cloud error code as a string (`EVS.5400`, `Ecs.0114`, `IMG.0027`, `APIGW.0301`, or an integer code stringified); '' if none. */
  code: string;
  cloudMessage: string;
  requestId?: string | null;
  retryAfterMs?: number;
  /** ECS `error.details[]` (§4.3). */
  details?: { code: string; message: string }[];
  /** The service's name in messages when it is not the OTC one (`Cinder`, `Nova`, `Glance`: the openstack profile). */
  serviceLabel?: string;
  cause?: unknown;
}

export class CloudError extends Error {
  override name = 'CloudError';
  readonly service: ServiceName;
  readonly op: OpName;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: string;
  readonly cloudMessage: string;
  readonly requestId: string | null;
  /** The service as the message names it (EVS, ECS, IMS; Cinder, Nova, Glance on a vanilla cloud). */
  readonly serviceLabel: string;
  // `declare`: absent unless set, rather than present as undefined.
  declare readonly retryAfterMs?: number;
  declare readonly details?: { code: string; message: string }[];

  constructor(init: CloudErrorInit, message?: string) {
    super(message ?? formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.service = init.service;
    this.op = init.op;
    this.method = init.method;
    this.path = init.path;
    this.status = init.status;
    this.code = init.code;
    this.cloudMessage = init.cloudMessage;
    this.requestId = init.requestId ?? null;
    this.serviceLabel = init.serviceLabel ?? SERVICE_LABEL[init.service];
    if (init.retryAfterMs !== undefined) (this as { retryAfterMs?: number }).retryAfterMs = init.retryAfterMs;
    if (init.details?.length) (this as { details?: CloudErrorInit['details'] }).details = init.details;
  }
}

const shortOp = (op: OpName) => op.slice(op.indexOf('.') + 1);

// "EVS uploadImage 400 EVS.5400: Malformed request body. (request id req-1)"
function formatMessage(i: CloudErrorInit): string {
  // Cinder/Nova/Keystone put the HTTP status in `code` (§6): not worth saying twice.
  const code = i.code && i.code !== String(i.status) ? ` ${i.code}` : '';
  const head = `${i.serviceLabel ?? SERVICE_LABEL[i.service]} ${shortOp(i.op)} ${i.status}${code}`;
  return `${head}: ${i.cloudMessage || STATUS_CODES[i.status] || 'error'}${i.requestId ? ` (request id ${i.requestId})` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------
// Transport failures: no (complete) response. status 0; `kind` says which.

export type TransportKind = 'timeout' | 'connection' | 'aborted';

export interface TransportErrorInit {
  service: ServiceName;
  op: OpName;
  method: string;
  path: string;
  /** undici / system code (`UND_ERR_SOCKET`, `ECONNRESET`, …) or `Timeout` / `Aborted`. */
  code: string;
  /** What happened, in words; already redacted. */
  detail: string;
  serviceLabel?: string;
  cause?: unknown;
}

export abstract class CloudTransportError extends CloudError {
  abstract readonly kind: TransportKind;
  constructor(i: TransportErrorInit) {
    super(
      { ...i, status: 0, cloudMessage: i.detail },
      `${i.serviceLabel ?? SERVICE_LABEL[i.service]} ${shortOp(i.op)}: ${i.detail} (${i.method} ${i.path})`,
    );
  }
}

/** No response within the per-request timeout, or undici's connect/headers/body timeout. */
export class CloudTimeoutError extends CloudTransportError {
  override name = 'CloudTimeoutError';
  readonly kind = 'timeout' as const;
}

/** Connection refused, reset or closed before the response was complete (a POST may or may not have taken effect). */
export class CloudConnectionError extends CloudTransportError {
  override name = 'CloudConnectionError';
  readonly kind = 'connection' as const;
}

/**
 * The caller's signal aborted the request. Named `AbortError` on purpose: the Temporal worker reports an activity
 * that throws an `AbortError` after its cancellation signal fired as cancelled, not failed.
 */
export class CloudAbortError extends CloudTransportError {
  override name = 'AbortError';
  readonly kind = 'aborted' as const;
}

/**
 * A request the client refuses to send because this cloud would refuse it (e.g. an OTC-only disk format for
 * vanilla Cinder, §6.5): status 0, classified as `invalid` like the cloud's own 400 would be.
 */
export class CloudRequestError extends CloudError {
  override name = 'CloudRequestError';
  constructor(init: Omit<CloudErrorInit, 'status' | 'cloudMessage'> & { detail: string }) {
    super(
      { ...init, status: 0, cloudMessage: init.detail },
      `${init.serviceLabel ?? SERVICE_LABEL[init.service]} ${shortOp(init.op)}: ${init.detail} (not sent)`,
    );
  }
}

/** A 2xx body that does not have the documented shape; the client turns it into a CloudError (code `InvalidResponse`). */
export class ResponseFormatError extends Error {
  override name = 'ResponseFormatError';
}

/** Wraps a ResponseFormatError from a parser: the cloud answered, but not in the documented shape. */
export function invalidResponse(
  at: { service: ServiceName; op: OpName; method: string; path: string; status: number; serviceLabel?: string },
  err: ResponseFormatError,
): CloudError {
  return new CloudError({ ...at, code: 'InvalidResponse', cloudMessage: `unexpected response: ${err.message}` });
}

/** Settings that cannot work (missing endpoint, bad clouds.yaml value); `setting` names it as the user spells it. */
export class CloudConfigError extends Error {
  override name = 'CloudConfigError';
  constructor(
    message: string,
    readonly setting?: string,
  ) {
    super(message);
  }
}

/** No endpoint for a service in the catalog (or in the overrides/template). */
export class EndpointNotFoundError extends CloudConfigError {
  override name = 'EndpointNotFoundError';
}

// ---------------------------------------------------------------------------------------------------------
// Error bodies.

export interface ParsedErrorBody {
  code: string;
  message: string;
  requestId: string | null;
  details: { code: string; message: string }[];
  /** Nova/Cinder `overLimit.retryAfter` (seconds), as ms. */
  retryAfterMs?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/**
 * Reads every documented error body shape:
 * - EVS/Cinder/Nova fault wrappers `{"badRequest":{"message","code"}}` with any wrapper key (itemNotFound,
 *   conflictingRequest, overLimit, computeFault, the lower-case `badrequest`, …), string or integer `code` (§3.1, §4.5, §6);
 * - `{"error":{"message","code","details"?}}` (EVS §3.1, ECS §4.3, IMS §5.5) and Keystone
 *   `{"error":{"code":401,"message","title"}}` (§2.1);
 * - API gateway `{"error_msg","error_code","request_id"}` (§2.2);
 * - anything else (HTML, plain text, empty): its text, tags stripped, shortened.
 */
export function parseErrorBody(text: string): ParsedErrorBody {
  const out: ParsedErrorBody = { code: '', message: '', requestId: null, details: [] };
  let body: unknown;
  try {
    body = text.trim() ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!isObj(body)) {
    out.message = plainText(text);
    return out;
  }
  if ('error_code' in body || 'error_msg' in body) {
    out.code = str(body.error_code);
    out.message = str(body.error_msg);
    out.requestId = str(body.request_id) || null;
    return out;
  }
  const fault = pickFault(body);
  if (!fault) {
    out.message = typeof body.error === 'string' ? body.error : plainText(text);
    return out;
  }
  out.code = str(fault.code);
  out.message = str(fault.message) || str(fault.title);
  // Glance answers with WebOb's JSON: `{"code": "404 Not Found", "title", "message": "…<br /><br />\n…"}` (§6.1).
  if (/^\d{3} /.test(out.code)) {
    out.code = '';
    out.message = out.message
      .replace(/<br\s*\/?>/gi, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }
  if (Array.isArray(fault.details)) {
    out.details = fault.details.filter(isObj).map((d) => ({ code: str(d.code), message: str(d.message) }));
  }
  const retryAfter = Number(fault.retryAfter);
  if (fault.retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) out.retryAfterMs = retryAfter * 1000;
  return out;
}

function pickFault(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (isObj(body.error)) return body.error;
  if (Array.isArray(body.errors) && isObj(body.errors[0])) return body.errors[0];
  // Flat `{"code","message","title"}` (Glance/WebOb JSON).
  if ('message' in body && ('code' in body || 'title' in body)) return body;
  // Single fault wrapper, whatever its name or spelling.
  for (const v of Object.values(body)) if (isObj(v) && ('message' in v || 'code' in v)) return v;
  return undefined;
}

function plainText(text: string): string {
  const t = text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

/**
 * ECS's throttling quirk (§4.7: "202 Common.0024 Flow limit exceeded") and the query-failed job body (§4.4): a 2xx
 * whose body is an error. Detected as an `error` object, or a top-level `code`+`message`, and no `job_id`.
 */
export function embeddedError(body: unknown): ParsedErrorBody | undefined {
  if (!isObj(body) || 'job_id' in body) return undefined;
  if (isObj(body.error) && ('code' in body.error || 'message' in body.error)) return parseErrorBody(JSON.stringify(body));
  if (typeof body.code === 'string' && typeof body.message === 'string' && !('status' in body) && !('id' in body)) {
    return { code: body.code, message: body.message, requestId: null, details: [] };
  }
  return undefined;
}

/** `Retry-After`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Replaces every occurrence of each secret (4+ chars) by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Predicates and classification.

export function isStatus(err: unknown, ...statuses: number[]): err is CloudError {
  return err instanceof CloudError && statuses.includes(err.status);
}

/** Case-insensitive: the clouds spell the same prefix `Ecs`/`ECS`. */
export function isCode(err: unknown, ...codes: string[]): err is CloudError {
  return err instanceof CloudError && err.code !== '' && codes.some((c) => c.toLowerCase() === err.code.toLowerCase());
}

export type ErrorKind =
  'throttled' | 'transient' | 'not-found' | 'conflict' | 'quota' | 'invalid' | 'auth' | 'forbidden' | 'aborted' | 'config' | 'unknown';

export interface Classification {
  kind: ErrorKind;
  retryable: boolean;
  retryAfterMs?: number;
}

// Flow control that arrives with other statuses than 429: ECS Common.0024 on 202 and Common.1503 (§4.7),
// IMS IMG.0060 (§5.5). The request was not executed.
const THROTTLE_CODES = new Set(['common.0024', 'common.1503', 'img.0060']);
// The token was refused: API gateway APIGW.0301/APIG.0301 (§2.2), ECS/EVS Common.0013 (§3.6 says 400, §4.7 says
// 401), EVS.0002 "invalid token!" and EVS.5401 (§3.6). Re-authentication may help.
const AUTH_CODES = new Set(['apigw.0301', 'apig.0301', 'common.0013', 'evs.0002', 'evs.5401']);
const QUOTA_CODES = new Set(['evs.5413']);
// ECS documents an OpenStack timeout as 400 (§4.7 Ecs.1002).
const TRANSIENT_CODES = new Set(['ecs.1002']);

export function isThrottle(status: number, code: string): boolean {
  return status === 429 || THROTTLE_CODES.has(code.toLowerCase());
}

/** A refused token (status 401, a token code, or IAM's "The token must be updated", §2.1). */
export function isAuthFailure(err: unknown): boolean {
  if (!(err instanceof CloudError) || err instanceof CloudTransportError) return false;
  return err.status === 401 || AUTH_CODES.has(err.code.toLowerCase()) || /token must be updated/i.test(err.cloudMessage);
}

/** The one classification of a cloud error; activities map it to retryable / non-retryable failures. */
export function classify(err: unknown): Classification {
  if (err instanceof CloudTransportError) {
    return err.kind === 'aborted' ? { kind: 'aborted', retryable: false } : { kind: 'transient', retryable: true };
  }
  if (err instanceof CloudRequestError) return { kind: 'invalid', retryable: false };
  if (err instanceof CloudError) {
    const code = err.code.toLowerCase();
    const after = err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {};
    if (isThrottle(err.status, code) || err.status === 503) return { kind: 'throttled', retryable: true, ...after };
    if (isAuthFailure(err)) return { kind: 'auth', retryable: false };
    if (TRANSIENT_CODES.has(code)) return { kind: 'transient', retryable: true };
    // Cinder's over-quota answer is 413 (EVS.5413, §3.8), with `Retry-After: 0` on vanilla Cinder; only a real
    // delay makes a 413 the rate limit of old Cinder releases.
    if (err.status === 413 || QUOTA_CODES.has(code))
      return (err.retryAfterMs ?? 0) > 0 ? { kind: 'throttled', retryable: true, ...after } : { kind: 'quota', retryable: false };
    switch (err.status) {
      case 500:
      case 502:
      case 504:
        return { kind: 'transient', retryable: true };
      case 404:
        return { kind: 'not-found', retryable: false };
      case 409:
        return { kind: 'conflict', retryable: false };
      case 403:
        return { kind: 'forbidden', retryable: false };
      case 400:
      case 501:
        return { kind: 'invalid', retryable: false };
    }
    if (err.status > 400 && err.status < 500) return { kind: 'invalid', retryable: false };
    if (err.status > 500) return { kind: 'transient', retryable: true };
    return { kind: 'unknown', retryable: false };
  }
  // A setting that cannot work will not start working on retry.
  if (err instanceof CloudConfigError) return { kind: 'config', retryable: false };
  if (err instanceof Error && err.name === 'AbortError') return { kind: 'aborted', retryable: false };
  return { kind: 'unknown', retryable: false };
}
