// Which dialect of the APIs the client speaks (cloud-api.md §6.5). `otc`: Open Telekom Cloud / Huawei Cloud — EVS
// (Cinder v2-compatible), ECS v1 batch stop/start with jobs, IMS. `openstack`: a vanilla OpenStack cloud — Cinder
// v3, Nova v2.1 per-server `os-stop`/`os-start` (the client makes the job the activities expect, nova/jobs.ts),
// Glance v2. Chosen in clouds.yaml (`evs_export_profile`) or EVS_EXPORT_PROFILE, else read from the Keystone
// catalog: OTC and Huawei Cloud list an `ecs` service, vanilla OpenStack lists Nova (`compute`) and no `ecs`.
import { CINDER_DISK_FORMATS } from '../formats';
import type { ServiceKey } from './config';

export const PROFILES = ['otc', 'openstack'] as const;
export type Profile = (typeof PROFILES)[number];

/** What the settings may say: a profile, or `auto` (detect from the catalog; the default). */
export const PROFILE_SETTINGS = [...PROFILES, 'auto'] as const;

/** The catalog type only OTC and Huawei Cloud list (§1.1). */
export const OTC_MARKER_TYPE = 'ecs';

/**
 * `openstack` when the catalog lists Nova (`compute`) but no `ecs` service; otherwise `otc`, as before profiles
 * existed — an OTC catalog lists both, and a catalog with neither (empty, or cut down to what the endpoint overrides
 * do not cover) gives no reason to change dialect.
 */
export function detectProfile(catalog: readonly { type: string }[]): Profile {
  const has = (type: string) => catalog.some((s) => s.type === type);
  return !has(OTC_MARKER_TYPE) && has('compute') ? 'openstack' : 'otc';
}

/** Names of the services in messages, per profile: the operator reads the names their cloud uses. */
export const SERVICE_LABELS: Record<Profile, Record<ServiceKey, string>> = {
  otc: { evs: 'EVS', ecs: 'ECS', ims: 'IMS' },
  openstack: { evs: 'Cinder', ecs: 'Nova', ims: 'Glance' },
};

// `disk_format` values vanilla Cinder's request schema accepts (§6.4), defined with OTC's in src/formats.ts.
export { CINDER_DISK_FORMATS };
export type CinderDiskFormat = (typeof CINDER_DISK_FORMATS)[number];

/** The disk format each profile's cloud uses when none is sent. */
export const DEFAULT_DISK_FORMAT_OF: Record<Profile, string> = { otc: 'zvhd2', openstack: 'raw' };
