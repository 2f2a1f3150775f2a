import type { ServiceRoute } from '../http/context';
import { actionOf, batchAction, batchIds, getJob, getNovaServer, getServer, listServers } from './handlers';
import { getFlavor, novaAction, novaOp } from './nova';

// `detail` is listed before the `:server_id` pattern it would otherwise match.
export const ecsRoutes: ServiceRoute[] = [
  { method: 'GET', path: '/ecs/v1/:project_id/cloudservers/detail', service: 'ecs', op: 'ecs.listServers', handle: listServers },
  { method: 'GET', path: '/ecs/v1/:project_id/cloudservers/:server_id', service: 'ecs', op: 'ecs.getServer', handle: getServer },
  { method: 'GET', path: '/ecs/v2.1/:project_id/servers/:server_id', service: 'ecs', op: 'ecs.getServer', handle: getNovaServer },
  // Nova's per-server os-stop / os-start (nova.ts), counted under the batch's names.
  { method: 'POST', path: '/ecs/v2.1/:project_id/servers/:server_id/action', service: 'ecs', op: novaOp, handle: novaAction },
  { method: 'GET', path: '/ecs/v2.1/:project_id/flavors/:flavor_id', service: 'ecs', op: 'ecs.getFlavor', handle: getFlavor },
  {
    method: 'POST',
    path: '/ecs/v1/:project_id/cloudservers/action',
    service: 'ecs',
    op: (ctx) => (actionOf(ctx.body) === 'os-start' ? 'ecs.start' : 'ecs.stop'),
    targets: (ctx) => batchIds(ctx.body),
    handle: batchAction,
  },
  { method: 'GET', path: '/ecs/v1/:project_id/jobs/:job_id', service: 'ecs', op: 'ecs.getJob', handle: getJob },
];
