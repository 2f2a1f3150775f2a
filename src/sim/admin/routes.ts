// The admin path table (moto's /moto-api/ idea): tests and benchmarks drive the simulator through these.
import type { Reply } from '../http/io';
import type { PathRoute } from '../http/router';
import { type AdminCtx, admin } from './handlers';

export interface AdminRoute extends PathRoute {
  handle(c: AdminCtx): Reply;
}

export const ADMIN_PREFIX = '/__sim';

export const adminRoutes: AdminRoute[] = [
  { method: 'POST', path: '/__sim/reset', handle: admin.reset },
  { method: 'POST', path: '/__sim/seed', handle: admin.seed },
  { method: 'PATCH', path: '/__sim/servers/:id', handle: admin.patchServer },
  { method: 'PATCH', path: '/__sim/volumes/:id', handle: admin.patchVolume },
  { method: 'GET', path: '/__sim/state', handle: admin.state },
  { method: 'GET', path: '/__sim/config', handle: admin.getConfig },
  { method: 'PUT', path: '/__sim/config', handle: admin.putConfig },
  { method: 'POST', path: '/__sim/advance', handle: admin.advance },
  { method: 'POST', path: '/__sim/faults', handle: admin.addFault },
  { method: 'GET', path: '/__sim/faults', handle: admin.listFaults },
  { method: 'DELETE', path: '/__sim/faults', handle: admin.clearFaults },
  { method: 'DELETE', path: '/__sim/faults/:id', handle: admin.removeFault },
  { method: 'GET', path: '/__sim/oracle', handle: admin.oracle },
  { method: 'POST', path: '/__sim/oracle/baseline', handle: admin.rebaseline },
  { method: 'GET', path: '/__sim/events', handle: admin.events },
];
