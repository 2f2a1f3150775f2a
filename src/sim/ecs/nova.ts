// ECS's Nova-compatible per-server power actions (cloud-api.md §4.5, "Stopping an ECS" / "Starting an ECS"
// (Native OpenStack API)): `POST /v2.1/{project_id}/servers/{server_id}/action` with `{"os-stop": null}` (OTC also
// takes `{"os-stop": {"type": "SOFT"|"HARD"}}`) or `{"os-start": null}` → 202, no body, no job. Refusals are
// Nova's, checked in Nova's order (lock, then vm_state, then task_state): 404 `itemNotFound`, 409
// `conflictingRequest` with an integer code, 400 `badRequest` for another action. `openstack server stop/start`
// and openstacksdk's `stop_server`/`start_server` send exactly these.
import { SimError } from '../errors';
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { powerServer } from '../model/servers';
import { FLAVOR } from './render';

const fault = (status: number, name: string, message: string) => new SimError(status, { [name]: { message, code: status } });

export function novaAction(ctx: Ctx): Reply {
  const id = ctx.params.server_id;
  const s = ctx.sim.world.servers.get(id);
  if (!s) throw fault(404, 'itemNotFound', `Instance ${id} could not be found.`);
  const body = typeof ctx.body === 'object' && ctx.body !== null ? (ctx.body as Record<string, unknown>) : {};
  const key = Object.keys(body)[0];
  if (key !== 'os-stop' && key !== 'os-start') throw fault(400, 'badRequest', `There is no such action: ${key ?? ''}`);
  const action = key === 'os-stop' ? 'stop' : 'start';
  const spec = body[key];
  const type = action === 'stop' && typeof spec === 'object' && spec !== null ? ((spec as { type?: unknown }).type ?? 'SOFT') : 'SOFT';
  if (type !== 'SOFT' && type !== 'HARD') throw fault(400, 'badRequest', `Invalid input for field/attribute type. Value: ${String(type)}.`);
  // A `conflict` fault (types.ts): someone else asked for the same just before; this request meets it mid-way.
  const conflict = ctx.sim.takeFault(`ecs.${action}`, [id], ['conflict']);
  if (conflict && !s.locked && s.taskState === null && s.vmState === (action === 'stop' ? 'active' : 'stopped'))
    powerServer(ctx.sim.world, action, s);
  if (s.locked) throw fault(409, 'conflictingRequest', `Instance ${id} is locked`);
  const allowed = action === 'stop' ? ['active', 'error'] : ['stopped'];
  const cannot = (attr: string, state: string | null) =>
    fault(409, 'conflictingRequest', `Cannot '${action}' instance ${id} while it is in ${attr} ${state ?? 'None'}`);
  if (!allowed.includes(s.vmState)) throw cannot('vm_state', s.vmState);
  if (s.taskState !== null) throw cannot('task_state', s.taskState);
  powerServer(ctx.sim.world, action, s, { hard: type === 'HARD' });
  return { status: 202 };
}

/** The operation a Nova action body names, for counting and faults (shared with the batch's names). */
export function novaOp(ctx: Ctx): 'ecs.stop' | 'ecs.start' {
  const body = typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {};
  return 'os-start' in body ? 'ecs.start' : 'ecs.stop';
}

/**
 * ECS "Querying Details About an ECS Flavor" (`GET /v2.1/{project_id}/flavors/{flavor_id}`), for the one flavor
 * every simulated server has (s3.medium.2: 1 vCPU, 2 GiB). `openstack server show` looks a server's flavor up here.
 */
export function getFlavor(ctx: Ctx): Reply {
  const id = ctx.params.flavor_id;
  if (id !== FLAVOR) throw fault(404, 'itemNotFound', `Flavor ${id} could not be found.`);
  const href = `${ctx.base}/ecs/v2.1/${ctx.sim.world.account.projectId}/flavors/${id}`;
  const flavor = {
    id,
    name: id,
    vcpus: 1,
    ram: 2048,
    disk: 0,
    swap: '',
    'OS-FLV-EXT-DATA:ephemeral': 0,
    'OS-FLV-DISABLED:disabled': false,
    rxtx_factor: 1.0,
    'os-flavor-access:is_public': true,
    links: [
      { rel: 'self', href },
      { rel: 'bookmark', href: href.replace('/v2.1/', '/') },
    ],
  };
  return { status: 200, body: { flavor } };
}
