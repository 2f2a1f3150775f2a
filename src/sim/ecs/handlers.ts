// ECS: server detail and list (ECS v1; detail also Nova v2.1), batch stop/start and jobs (cloud-api.md §4).
// Nova's per-server os-stop/os-start and flavor detail are nova.ts. Not implemented: Nova server lists, the
// list's `tags`, `not-tags`, `ip` and `reservation_id` filters, block_device and os-volume_attachments, reboot, and 202 "processed with a delay"
// replies other than the throttle-202 fault.
import { SimError } from '../errors';
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import type { ServerRec } from '../model/records';
import { RuleError } from '../model/rule-error';
import { runBatch } from '../model/servers';
import { deriveServerStatus } from '../model/server-status';
import { FLAVOR, renderJob, renderServer } from './render';

const MAX_BATCH = 1000;

export function getServer(ctx: Ctx): Reply {
  const s = ctx.sim.world.servers.get(ctx.params.server_id);
  if (!s) throw new RuleError('Ecs.0114', 'The ECS does not exist.');
  return { status: 200, body: { server: renderServer(ctx.sim.world, s) } };
}

const DEFAULT_PAGE = 25;
const MAX_PAGE = 1000;

/**
 * ECS "Listing Details About ECSs": `offset` is a page number (0 reads as 1), `limit` a page size (default 25, at
 * most 1,000 returned); `count` is the total that match. Newest first, ties by id (Nova's default order).
 * `name` is fuzzy (a substring; `.` matches any one character), `status` and `flavor` exact.
 */
export function listServers(ctx: Ctx): Reply {
  const q = ctx.query;
  const int = (k: string, def: number, min: number) => {
    const raw = q.get(k);
    if (raw === null) return def;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min) throw invalid(`${k} must be an integer >= ${min}.`);
    return n;
  };
  const limit = Math.min(int('limit', DEFAULT_PAGE, 1), MAX_PAGE);
  const page = Math.max(int('offset', 1, 0), 1);
  const w = ctx.sim.world;
  const name = q.get('name');
  const like = name === null ? null : new RegExp(name.replace(/[\\^$*+?()[\]{}|]/g, '\\$&').replace(/\./g, '[^\\n\\r]'));
  const status = q.get('status');
  const flavor = q.get('flavor');
  const rows = [...w.servers.values()]
    .filter((s) => like === null || like.test(s.name))
    .filter((s) => status === null || deriveServerStatus(s.vmState, s.taskState) === status)
    .filter(() => flavor === null || flavor === FLAVOR)
    .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const servers = rows.slice((page - 1) * limit, page * limit).map((s) => renderServer(w, s));
  return { status: 200, body: { count: rows.length, servers } };
}

/** Nova's own not-found body: fault name wrapper, integer code. */
export function getNovaServer(ctx: Ctx): Reply {
  const s = ctx.sim.world.servers.get(ctx.params.server_id);
  if (!s) throw new SimError(404, { itemNotFound: { message: `Instance ${ctx.params.server_id} could not be found.`, code: 404 } });
  return { status: 200, body: { server: renderServer(ctx.sim.world, s) } };
}

export function actionOf(body: unknown): 'os-stop' | 'os-start' | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  if ('os-stop' in body) return 'os-stop';
  if ('os-start' in body) return 'os-start';
  return undefined;
}

/** The server ids a batch body names (for fault targets); tolerant of malformed bodies. */
export function batchIds(body: unknown): string[] {
  const key = actionOf(body);
  const spec = key ? (body as Record<string, { servers?: unknown }>)[key] : undefined;
  const servers = spec && typeof spec === 'object' && Array.isArray(spec.servers) ? (spec.servers as unknown[]) : [];
  return servers
    .map((s) => (typeof s === 'object' && s !== null ? (s as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string');
}

const invalid = (what: string) => new RuleError('Ecs.0005', `Invalid parameter values: ${what}`);

export function batchAction(ctx: Ctx): Reply {
  const key = actionOf(ctx.body);
  if (!key) throw invalid('the body must contain os-stop or os-start.');
  const spec = (ctx.body as Record<string, unknown>)[key] as Record<string, unknown> | null;
  if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.servers) || spec.servers.length === 0)
    throw invalid(`${key}.servers must be a non-empty list.`);
  if (spec.servers.length > MAX_BATCH) throw new RuleError('Ecs.0118', 'The number of ECSs exceeds the maximum allowed limit.');
  const type = key === 'os-stop' ? (spec.type ?? 'SOFT') : 'SOFT';
  if (type !== 'SOFT' && type !== 'HARD') throw invalid(`${key}.type must be SOFT or HARD.`);
  const ids = batchIds(ctx.body);
  if (ids.length !== spec.servers.length) throw invalid(`every entry of ${key}.servers needs an id.`);

  const w = ctx.sim.world;
  const servers: ServerRec[] = [];
  for (const id of new Set(ids)) {
    const s = w.servers.get(id);
    if (!s) throw new RuleError('Ecs.0114', 'The ECS does not exist.', [{ code: 'Ecs.0114', message: `The ECS ${id} does not exist.` }]);
    // A `conflict` fault (types.ts): someone else's batch got there first; this one then finds a task running.
    const other = key === 'os-stop' ? 'stop' : 'start';
    if (ctx.sim.takeFault(`ecs.${other}`, [id], ['conflict']) && s.taskState === null && !s.locked) runBatch(w, other, [s]);
    if (s.locked) throw new RuleError('Ecs.0605', 'ECS locked.', [{ code: 'Ecs.0605', message: `The ECS ${id} is locked.` }]);
    if (s.taskState !== null) {
      throw new RuleError('Ecs.0100', 'The ECS status does not meet requirements. Make the ECS in the required status and try again.', [
        { code: 'Ecs.0100', message: `The ECS ${id} has task_state ${s.taskState}.` },
      ]);
    }
    servers.push(s);
  }

  const action = key === 'os-stop' ? 'stop' : 'start';
  const fail = new Map<string, { code: string; reason: string }>();
  for (const s of servers) {
    const f = ctx.sim.takeFault(`ecs.${action}`, [s.id], ['job-fail']);
    if (!f) continue;
    fail.set(
      s.id,
      action === 'stop'
        ? {
            code: f.code ?? 'Ecs.0100',
            reason: f.message ?? 'The ECS status does not meet requirements. Make the ECS in the required status and try again.',
          }
        : { code: f.code ?? 'Ecs.0226', reason: f.message ?? 'Failed to start.' },
    );
  }
  const job = runBatch(w, action, servers, { hard: type === 'HARD', fail });
  return { status: 200, body: { job_id: job.id } };
}

export function getJob(ctx: Ctx): Reply {
  const job = ctx.sim.world.jobs.get(ctx.params.job_id);
  if (!job) throw new RuleError('Common.0011', 'Failed to query system tasks.');
  return { status: 200, body: renderJob(ctx.sim.world, job) };
}
