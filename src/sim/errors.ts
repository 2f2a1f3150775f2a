// Error replies with the real codes and body shapes of each service (cloud-api.md §2.1, §3.6, §4.7, §5.5):
//   Keystone  {"error":{"code":401,"message":"…","title":"Unauthorized"}}        (integer code)
//   EVS       {"badRequest"|"itemNotFound"|…|"error":{"message":"…","code":"EVS.5400"}}  (wrapper = fault name)
//   ECS       {"error":{"message":"…","code":"Ecs.0114","details"?:[…]}}
//   IMS       {"error":{"message":"…","code":"IMG.0027"}}
//   APIG      {"error_msg":"…","error_code":"APIGW.0101","request_id":"…"}      (gateway: unknown API, throttling)
// and the openstack dialect's services (cloud-api.md §6.1, §6.5):
//   Cinder, Nova  {"badRequest"|"itemNotFound"|"conflictingRequest"|…:{"code":400,"message":"…"}}  (integer code)
//   Glance        WebOb's {"message":"…<br /><br />\n…","code":"404 Not Found","title":"Not Found"}
//   401 on all three is keystonemiddleware's {"error":{"code":401,"title":"Unauthorized","message":"…"}}
import type { ErrorDetail, RuleError } from './model/rule-error';

export type Service = 'keystone' | 'evs' | 'ecs' | 'ims' | 'cinder' | 'nova' | 'glance';

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`sim error ${status}`);
    this.name = 'SimError';
  }
}

// Cinder fault names (cinder/api/openstack/wsgi.py); OTC uses "error" for 500.
const EVS_WRAPPER: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Cinder's and Nova's fault name for a status (their wsgi `_fault_names`); anything else is `computeFault`. */
export function faultName(status: number): string {
  return EVS_WRAPPER[status] ?? (status === 429 ? 'overLimit' : 'computeFault');
}

/** WebOb's status lines, which Glance's JSON errors carry as `code` and `title`. */
const WEBOB_TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Glance's error body: WebOb renders `explanation<br /><br />\ndetail\n` as JSON. */
export function glanceError(status: number, explanation: string, headers: Record<string, string> = {}): SimError {
  const title = WEBOB_TITLE[status] ?? 'Error';
  return new SimError(status, { message: `${explanation}<br /><br />\n\n\n`, code: `${status} ${title}`, title }, headers);
}

const KEYSTONE_TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const DEFAULTS: Record<Service, Record<number, [code: string, message: string]>> = {
  keystone: {
    400: ['', 'The request you have made is malformed.'],
    401: ['', 'The request you have made requires authentication.'],
    500: ['', 'An unexpected error prevented the server from fulfilling your request.'],
  },
  evs: {
    400: ['EVS.5400', 'Malformed request body.'],
    401: ['EVS.5401', 'Authentication required.'],
    403: ['EVS.5403', 'Policy check failed.'],
    404: ['EVS.5404', 'Resource(Volume, Snapshot, Backup .etc) cound not be found.'],
    413: ['EVS.5413', 'Insufficient volume quota.'],
    500: ['EVS.5500', 'Internal server error.'],
    503: ['EVS.5503', 'Service unavailable.'],
  },
  ecs: {
    400: ['Ecs.0000', 'Request error.'],
    401: ['Common.0013', 'Invalid token.'],
    404: ['Ecs.0114', 'The ECS does not exist.'],
    500: ['Ecs.1002', 'A system exception occurred.'],
  },
  ims: {
    400: ['IMG.0001', 'The request message format is invalid.'],
    // IMS documents no 401 body; this is the API gateway's token message in the IMS shape.
    401: ['APIGW.0301', 'Incorrect IAM authentication information: token expires or is invalid.'],
    403: ['IMG.0026', 'You do not have the rights to perform the operation.'],
    404: ['IMG.0027', 'The image does not exist.'],
    // [GUESS] IMS documents only 400 codes; the sim's own code for a server error.
    500: ['IMG.0500', 'Internal server error.'],
  },
  // Vanilla services: no codes, Cinder's, Nova's and WebOb's default explanations.
  cinder: {
    400: ['', 'Malformed request body.'],
    401: ['', 'The request you have made requires authentication.'],
    403: ['', 'Policy does not allow this action to be performed.'],
    404: ['', 'The resource could not be found.'],
    413: ['', 'Requested volume or snapshot exceeds allowed quota.'],
    500: ['', 'The server has either erred or is incapable of performing the requested operation.'],
  },
  nova: {
    400: ['', 'Malformed request body.'],
    401: ['', 'The request you have made requires authentication.'],
    404: ['', 'The resource could not be found.'],
    500: ['', 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.'],
  },
  glance: {
    400: ['', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
    401: ['', 'The request you have made requires authentication.'],
    403: ['', 'Access was denied to this resource.'],
    404: ['', 'The resource could not be found.'],
    500: ['', 'The server has either erred or is incapable of performing the requested operation.'],
  },
};

// HTTP status of the model's rule codes (the rest are 400, as the clouds document).
const STATUS_BY_CODE: Record<string, number> = {
  'EVS.5404': 404,
  'Ecs.0114': 404,
  'Ecs.0614': 404,
  'IMG.0027': 404,
  // Glance answers these 403 (Forbidden); IMS's table lists every IMG code under 400 (cloud-api.md §5.3).
  'IMG.0026': 403,
  'IMG.0028': 403,
  'IMG.0092': 403,
  'IMG.0094': 403,
  'EVS.5413': 413,
  'EVS.5500': 500,
  'Ecs.1002': 500,
};

export function serviceError(service: Service, status: number, code?: string, message?: string, details?: ErrorDetail[]): SimError {
  const [defCode, defMessage] = DEFAULTS[service][status] ?? DEFAULTS[service][status >= 500 ? 500 : 400];
  const msg = message ?? defMessage;
  switch (service) {
    case 'keystone':
      return new SimError(status, { error: { code: status, message: msg, title: KEYSTONE_TITLE[status] ?? 'Error' } });
    case 'evs': {
      const c = code ?? (DEFAULTS.evs[status] ? defCode : `EVS.5${String(status).padStart(3, '0')}`);
      return new SimError(status, { [status === 500 ? 'error' : (EVS_WRAPPER[status] ?? 'error')]: { message: msg, code: c } });
    }
    case 'ecs':
      return new SimError(status, { error: { message: msg, code: code ?? defCode, ...(details ? { details } : {}) } });
    case 'ims':
      return new SimError(status, { error: { message: msg, code: code ?? defCode } });
    case 'cinder':
    case 'nova':
      // A rule's OTC code (`EVS.5400`) is not the vanilla service's: only the status and the words carry over.
      if (status === 401) return keystoneMiddleware401();
      return new SimError(status, { [faultName(status)]: { code: status, message: msg } });
    case 'glance':
      if (status === 401) return keystoneMiddleware401();
      return glanceError(status, msg);
  }
}

/** keystonemiddleware refuses a missing or bad token the same way in front of every vanilla service. */
function keystoneMiddleware401(): SimError {
  return new SimError(
    401,
    { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } },
    { 'WWW-Authenticate': "Keystone uri='/v3'" },
  );
}

export function fromRule(service: Service, e: RuleError): SimError {
  return serviceError(service, STATUS_BY_CODE[e.code] ?? 400, e.code, e.message, e.details);
}

export function unauthorized(service: Service): SimError {
  return serviceError(service, 401);
}

/** The project id in the URL is not the token's (EVS/ECS document Common.0018). */
export function projectMismatch(service: Service): SimError {
  if (service === 'cinder' || service === 'nova')
    return serviceError(service, 400, undefined, "Malformed request URL: URL's project_id does not match Context's project_id.");
  return serviceError(service, 400, 'Common.0018', 'Invalid token in the header: the project ID in the URL does not match the token.');
}

export function throttled(service: Service, retryAfterSec: number, requestId: string): SimError {
  const headers = { 'Retry-After': String(retryAfterSec) };
  // Vanilla services are throttled by whatever sits in front of them; the sim answers as Nova's and Cinder's
  // rate limiter did (`overLimit` with `retryAfter`), and Glance with WebOb's 429.
  if (service === 'cinder' || service === 'nova')
    return new SimError(
      429,
      { overLimit: { code: 429, message: 'This request was rate-limited.', retryAfter: String(retryAfterSec) } },
      headers,
    );
  if (service === 'glance') return glanceError(429, 'This request was rate-limited.', headers);
  if (service === 'ecs') {
    return new SimError(
      429,
      { error: { message: 'Api flow control Error because the number of requests exceeds the limit.', code: 'Common.1503' } },
      headers,
    );
  }
  return apigError(
    429,
    'APIGW.0308',
    'The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute',
    requestId,
    headers,
  );
}

/** ECS's documented quirk: traffic control answered with HTTP 202 and an error body (no effect performed). */
export function throttled202(): SimError {
  return new SimError(202, { error: { message: 'Flow limit exceeded.', code: 'Common.0024' } });
}

export function apigError(
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): SimError {
  return new SimError(status, { error_msg: message, error_code: code, request_id: requestId }, headers);
}

export function unknownApi(requestId: string): SimError {
  return apigError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment', requestId);
}
