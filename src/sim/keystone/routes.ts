import type { ServiceRoute } from '../http/context';
import { issue } from './handlers';

export const keystoneRoutes: ServiceRoute[] = [
  { method: 'POST', path: '/v3/auth/tokens', service: 'keystone', op: 'keystone.token', public: true, targets: () => [], handle: issue },
];
