// What the simulated region offers: OTC eu-de's availability zones and the EVS disk types of the create page
// (cloud-api.md §3.8). Seeding may add other zones; a create request must name one of these or a seeded one.
import type { World } from './world';

export const AZS = ['eu-de-01', 'eu-de-02', 'eu-de-03'];
export const DEFAULT_AZ = 'eu-de-01';
export const VOLUME_TYPES = ['SSD', 'SAS', 'SATA', 'GPSSD', 'ESSD'];
export const DEFAULT_VOLUME_TYPE = 'SSD';

export function knownZone(w: World, az: string): boolean {
  return AZS.includes(az) || [...w.volumes.values()].some((v) => v.availabilityZone === az);
}
