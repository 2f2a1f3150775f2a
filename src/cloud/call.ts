// One service call, the way every EVS/ECS/IMS operation makes it: resolve the endpoint (lazily authenticating),
// send through http.ts with per-attempt credentials, re-authenticate once and replay once if the cloud refused
// the token (gophercloud's rule), then parse the body with the service's results parser. Every message names
// the service as the cloud's profile does (EVS or Cinder, ECS or Nova, IMS or Glance).
import type { Authenticator } from './auth';
import type { ServiceKey } from './config';
import { CloudAbortError, CloudError, invalidResponse, isAuthFailure, ResponseFormatError } from './errors';
import type { CloudLogger, HttpClient, HttpMethod, HttpResponse } from './http';
import type { OpName } from './ops';
import { type Profile, SERVICE_LABELS } from './profile';
import type { CallOptions } from './types';

export interface CallSpec<T> {
  service: ServiceKey;
  op: OpName;
  method: HttpMethod;
  /** The request URL from the service's base URL (urls.ts functions). */
  url: (base: string) => string;
  body?: unknown;
  /** Extra request headers (a microversion). */
  headers?: Record<string, string>;
  /** Statuses that mean success. */
  expect: readonly number[];
  parse: (body: unknown, res: HttpResponse) => T;
}

export interface Caller {
  <T>(spec: CallSpec<T>, o?: CallOptions): Promise<T>;
  /** The cloud's API dialect (authenticates first when it comes from the catalog). */
  profile(o?: CallOptions): Promise<Profile>;
}

export function makeCaller(http: HttpClient, auth: Authenticator, logger?: CloudLogger): Caller {
  const profile = (o: CallOptions = {}) =>
    beforeRequest({ service: 'keystone', op: 'keystone.token', method: 'POST' }, o.signal, () => auth.profile(o.signal));
  async function call<T>(spec: CallSpec<T>, o: CallOptions = {}): Promise<T> {
    const base = await beforeRequest(spec, o.signal, () => auth.endpoint(spec.service, o.signal));
    const serviceLabel = SERVICE_LABELS[await profile(o)][spec.service];
    let url: string;
    try {
      url = spec.url(base);
    } catch (err) {
      if (err instanceof ResponseFormatError)
        throw invalidResponse({ service: spec.service, op: spec.op, method: spec.method, path: '', status: 0, serviceLabel }, err);
      throw err;
    }
    const path = new URL(url).pathname;
    for (let replay = 0; ; replay++) {
      let sent: Record<string, string> = {};
      let res: HttpResponse;
      try {
        res = await http.request({
          service: spec.service,
          op: spec.op,
          method: spec.method,
          url,
          body: spec.body,
          headers: spec.headers,
          serviceLabel,
          expect: spec.expect,
          signal: o.signal,
          priority: o.priority,
          onAttempt: o.onAttempt,
          prepaid: o.prepaid && replay === 0,
          authorize: async (r) => (sent = await auth.authorize(r, o.signal)),
        });
      } catch (err) {
        // A refused token (not a failed token request) is replayed once with a new one.
        if (replay === 0 && err instanceof CloudError && err.service !== 'keystone' && isAuthFailure(err) && auth.invalidate(sent)) {
          logger?.warn?.('cloud token refused; authenticating again and replaying once', {
            op: spec.op,
            method: spec.method,
            path,
            status: err.status,
            code: err.code,
          });
          continue;
        }
        throw err;
      }
      try {
        return spec.parse(res.body, res);
      } catch (err) {
        if (err instanceof ResponseFormatError)
          throw invalidResponse({ service: spec.service, op: spec.op, method: spec.method, path, status: res.status, serviceLabel }, err);
        throw err;
      }
    }
  }
  return Object.assign(call, { profile });
}

/** `call` with options merged into every call (an activity's signal, lane and counter). */
export function scopedCaller(call: Caller, scope: CallOptions): Caller {
  return Object.assign(<T>(spec: CallSpec<T>, o?: CallOptions) => call(spec, { ...scope, ...o }), {
    profile: (o?: CallOptions) => call.profile({ ...scope, ...o }),
  });
}

/** Runs a step before the first HTTP attempt (endpoint lookup, project id) with the same error mapping as a call. */
export async function beforeRequest<T>(
  at: { service: ServiceKey | 'keystone'; op: OpName; method?: string },
  signal: AbortSignal | undefined,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (signal?.aborted && !(err instanceof CloudError)) {
      throw new CloudAbortError({
        service: at.service,
        op: at.op,
        method: at.method ?? 'GET',
        path: '',
        code: 'Aborted',
        detail: 'aborted by the caller',
      });
    }
    if (err instanceof ResponseFormatError)
      throw invalidResponse({ service: 'keystone', op: 'keystone.token', method: 'POST', path: '', status: 0 }, err);
    throw err;
  }
}

/** A listing's options for its page `page` (from 0): only the first request's token may be the caller's (`prepaid`). */
export function pageOptions(o: CallOptions | undefined, page: number): CallOptions | undefined {
  return page > 0 && o?.prepaid ? { ...o, prepaid: false } : o;
}
