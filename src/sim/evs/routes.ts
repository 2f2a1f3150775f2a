import type { ServiceRoute } from '../http/context';
import { getVolume, volumeAction } from './handlers';

// v2 is what OTC recommends; v3 answers the same (its microversion extras are not rendered).
export const evsRoutes: ServiceRoute[] = ['v2', 'v3'].flatMap((ver): ServiceRoute[] => [
  { method: 'GET', path: `/evs/${ver}/:project_id/volumes/:volume_id`, service: 'evs', op: 'evs.getVolume', handle: getVolume },
  {
    method: 'POST',
    path: `/evs/${ver}/:project_id/volumes/:volume_id/action`,
    service: 'evs',
    op: 'evs.uploadImage',
    handle: volumeAction,
  },
]);
