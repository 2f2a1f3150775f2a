// The API gateway's check of an AK/SK-signed call (cloud-api.md §2.2), before any service sees it: the
// Authorization header's three fields, X-Sdk-Date within 15 minutes of the simulator's clock (which may be a
// ManualClock), the AK known, the signature recomputed from the request as received with the SignedHeaders it
// names, then the project in X-Project-Id. Refusals are the gateway's 401 `APIGW.0301` bodies with the documented
// messages; what follows "verify aksk signature fail, " (the documentation elides it) is the simulator's own words
// and never contains the SK.
import { apigError, type SimError } from '../errors';
import {
  ALGORITHM,
  type AuthorizationParts,
  canonicalRequest,
  header,
  MissingSignedHeader,
  parseAuthorization,
  sameSignature,
  signature,
  stringToSign,
  type WireRequest,
} from './signature';

/** The largest difference between X-Sdk-Date and the gateway's clock (§2.2 step 1). */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

const PREFIX = 'Incorrect IAM authentication information';

export interface AkSkCredentials {
  /** The SK of a known AK, else undefined. */
  secretKeyOf(accessKey: string): string | undefined;
  /** Projects the AK's account may act in. */
  projectIds: readonly string[];
}

export interface AkSkCaller {
  accessKey: string;
  /** From X-Project-Id. */
  projectId: string;
}

/** True when the request asks to be checked as AK/SK-signed (`Authorization: SDK-HMAC-SHA256 …`). */
export function isAkSkSigned(req: WireRequest): boolean {
  return /^SDK-HMAC-SHA256(\s|$)/.test(header(req, 'authorization') ?? '');
}

/** `YYYYMMDDTHHMMSSZ` → ms since epoch, or undefined. */
export function parseSdkDate(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(t);
  // Rejects 20191332T…: Date.UTC would roll it over.
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && se < 60 ? t : undefined;
}

/**
 * Authenticates a signed request at time `now` (the simulator's clock) and returns the caller; throws the
 * gateway's refusal (a SimError) otherwise.
 */
export function verifyAkSk(req: WireRequest, creds: AkSkCredentials, now: number, requestId: string): AkSkCaller {
  const refuse = (detail: string): SimError => apigError(401, 'APIGW.0301', `${PREFIX}: ${detail}`, requestId);
  const signFail = (why: string) => refuse(`verify aksk signature fail, ${why}`);

  const parts: AuthorizationParts | undefined = parseAuthorization(header(req, 'authorization') ?? '');
  if (!parts) throw signFail(`the Authorization header is not "${ALGORITHM} Access=…, SignedHeaders=…, Signature=…"`);
  const listed = parts.signedHeaders.join(';');
  const date = header(req, 'x-sdk-date');
  const at = date === undefined ? undefined : parseSdkDate(date.trim());
  if (date === undefined || at === undefined) throw signFail('X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ (UTC)');
  // An unsigned date could be moved by anyone: the window would protect nothing.
  if (!parts.signedHeaders.includes('x-sdk-date')) throw signFail(`SignedHeaders=${listed} does not include x-sdk-date`);
  if (Math.abs(now - at) > MAX_CLOCK_SKEW_MS) {
    throw signFail(`X-Sdk-Date ${date.trim()} is more than 15 minutes from the server time`);
  }
  const sk = creds.secretKeyOf(parts.accessKey);
  if (sk === undefined) throw refuse(`Get secretKey failed,ak:${parts.accessKey},err:ak not exist`);

  let canonical: string;
  try {
    canonical = canonicalRequest(req, parts.signedHeaders);
  } catch (err) {
    if (err instanceof MissingSignedHeader) throw signFail(`SignedHeaders=${listed} (${err.header} is not in the request)`);
    throw err;
  }
  const expected = signature(sk, stringToSign(date.trim(), canonical));
  if (!sameSignature(expected, parts.signature)) throw signFail(`SignedHeaders=${listed}`);

  // Project-level services (EVS, ECS, IMS) act in the project the SDKs name in X-Project-Id (§2.2 step 6).
  const projectId = header(req, 'x-project-id')?.trim();
  if (!projectId) throw refuse('Unauthorized, the X-Project-Id header is required for a project-level service');
  if (!creds.projectIds.includes(projectId)) throw refuse(`Unauthorized, project ${projectId} is not a project of this AK's account`);
  return { accessKey: parts.accessKey, projectId };
}
