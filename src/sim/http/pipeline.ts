// One cloud API call, in the order a real gateway and service would see it: count it, apply request-level
// faults (delay, then error / throttle / throttle-202 / lost-response), check the credential (the token, or an
// AK/SK signature and its X-Project-Id, ../apig/verify.ts) and the project in the path, run the handler, turn
// errors into the service's bodies. `lost` tells the server to drop the socket.
import { isAkSkSigned, verifyAkSk } from '../apig/verify';
import type { WireRequest } from '../apig/signature';
import { type Service, SimError, fromRule, projectMismatch, serviceError, throttled, throttled202, unauthorized } from '../errors';
import { RuleError } from '../model/rule-error';
import { checkToken } from '../model/tokens';
import type { Sim } from '../sim';
import type { Caller, Ctx, ServiceRoute } from './context';
import type { Reply } from './io';

const REQUEST_FAULTS = ['error', 'throttle', 'throttle-202', 'lost-response'] as const;

/** How a request authenticates: `X-Auth-Token`, or (when it carries `Authorization: SDK-HMAC-SHA256 …`) its signature. */
export interface Credentials {
  token?: string;
  /** The request as received, for the AK/SK check. */
  wire?: WireRequest;
}

/** `aksk` when the request asks for the signature check (which then decides alone), else `token`. */
export function authKind(c: Credentials): 'aksk' | 'token' {
  return c.wire && isAkSkSigned(c.wire) ? 'aksk' : 'token';
}

export async function runServiceCall(
  route: ServiceRoute,
  ctx: Ctx,
  credentials: Credentials,
): Promise<{ op: string; reply: Reply; lost: boolean }> {
  const { sim } = ctx;
  const op = typeof route.op === 'function' ? route.op(ctx) : route.op;
  sim.oracleBook.countCall(op);
  let lost = false;
  let reply: Reply;
  try {
    const targets = route.targets
      ? route.targets(ctx)
      : Object.entries(ctx.params)
          .filter(([k]) => k !== 'project_id')
          .map(([, v]) => v);
    const delay = sim.takeFault(op, targets, ['delay']);
    if (delay?.delayMs) await sleep(sim, delay.delayMs);
    const f = sim.takeFault(op, targets, REQUEST_FAULTS);
    if (f?.kind === 'error') throw serviceError(route.service, f.status ?? 500, f.code, f.message);
    if (f?.kind === 'throttle') throw throttled(route.service, f.retryAfterSec ?? 1, ctx.requestId);
    if (f?.kind === 'throttle-202') throw throttled202();
    lost = f?.kind === 'lost-response';
    if (!route.public) authorize(route.service, ctx, credentials);
    reply = route.handle(ctx);
  } catch (err) {
    reply = toReply(route.service, err);
  }
  return { op, reply, lost };
}

function authorize(service: Service, ctx: Ctx, credentials: Credentials): void {
  const caller = authenticate(service, ctx, credentials);
  ctx.token = caller;
  const inPath = ctx.params.project_id;
  if (inPath !== undefined && inPath !== caller.projectId) throw projectMismatch(service);
  // IMS has no project in its paths; an unscoped or domain token still cannot use it.
  if (inPath === undefined && caller.projectId === null) throw unauthorized(service);
}

function authenticate(service: Service, ctx: Ctx, credentials: Credentials): Caller {
  const w = ctx.sim.world;
  if (credentials.wire && authKind(credentials) === 'aksk') {
    // The gateway decides on a signed call before the service sees it; a token sent alongside is not looked at.
    const a = w.account;
    const creds = { secretKeyOf: (ak: string) => (ak === a.accessKey ? a.secretKey : undefined), projectIds: [a.projectId] };
    const { projectId } = verifyAkSk(credentials.wire, creds, w.now(), ctx.requestId);
    return { projectId, domainScoped: false, via: 'aksk' };
  }
  const check = checkToken(w, credentials.token);
  if (!check.ok) throw unauthorized(service);
  return { projectId: check.token.projectId, domainScoped: check.token.domainScoped, via: 'token' };
}

export function toReply(service: Service, err: unknown): Reply {
  const e = err instanceof RuleError ? fromRule(service, err) : err instanceof SimError ? err : undefined;
  if (e) return { status: e.status, body: e.body, headers: e.headers };
  // A bug in the simulator: answer like the service would, and say so on stderr.
  console.error('[sim] internal error:', err);
  const internal = serviceError(service, 500);
  return { status: 500, body: internal.body };
}

function sleep(sim: Sim, ms: number): Promise<void> {
  return new Promise((resolve) => sim.world.clock.setTimer(ms, resolve));
}
