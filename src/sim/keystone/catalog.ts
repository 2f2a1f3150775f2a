// The service catalog (cloud-api.md §1.1), all on the simulator's single origin: the path prefixes play the
// part of OTC's per-service hosts, so a client that follows the catalog never notices.
import { createHash } from 'node:crypto';
import type { WorldAccount } from '../model/world';
import type { SimDialect } from '../types';

interface Entry {
  type: string;
  name: string;
  url: (base: string, projectId: string) => string;
}

const ENTRIES: Entry[] = [
  { type: 'identity', name: 'keystone', url: (b) => `${b}/v3` },
  { type: 'evs', name: 'evs', url: (b, p) => `${b}/evs/v2/${p}` },
  { type: 'volumev2', name: 'cinderv2', url: (b, p) => `${b}/evs/v2/${p}` },
  { type: 'volumev3', name: 'cinderv3', url: (b, p) => `${b}/evs/v3/${p}` },
  { type: 'ecs', name: 'ecs', url: (b, p) => `${b}/ecs/v1/${p}` },
  { type: 'compute', name: 'nova', url: (b, p) => `${b}/ecs/v2.1/${p}` },
  // IMS: no version and no project; clients append /v2/... themselves.
  { type: 'image', name: 'glance', url: (b) => `${b}/ims` },
];

// The openstack dialect: devstack's shape (path prefixes per service, Nova and Glance without the project, Cinder
// v3 with it) and no `ecs`/`evs` types — which is how a client tells the clouds apart (src/cloud/profile.ts).
const OPENSTACK_ENTRIES: Entry[] = [
  { type: 'identity', name: 'keystone', url: (b) => `${b}/v3` },
  { type: 'volumev3', name: 'cinderv3', url: (b, p) => `${b}/volume/v3/${p}` },
  { type: 'block-storage', name: 'cinder', url: (b, p) => `${b}/volume/v3/${p}` },
  { type: 'compute', name: 'nova', url: (b) => `${b}/compute/v2.1` },
  { type: 'image', name: 'glance', url: (b) => `${b}/image` },
];

const id = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

export function buildCatalog(base: string, a: WorldAccount, dialect: SimDialect = 'otc'): Record<string, unknown>[] {
  return (dialect === 'openstack' ? OPENSTACK_ENTRIES : ENTRIES).map((e) => ({
    endpoints: [
      { region_id: a.region, id: id(`endpoint:${e.type}`), region: a.region, interface: 'public', url: e.url(base, a.projectId) },
    ],
    name: e.name,
    id: id(`service:${e.type}`),
    type: e.type,
  }));
}
