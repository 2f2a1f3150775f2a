// Project quotas (cloud-api.md §3.8): counted over what exists now, seeded resources included; `gigabytes` is disks
// plus snapshots, as EVS's quota page says. Each API form turns an excess into its own refusal.
import type { Quotas } from '../types';
import type { World } from './world';

export interface QuotaExcess {
  quota: keyof Quotas;
  limit: number;
  /** In use now (count or GB). */
  consumed: number;
  /** What the request asked for (count or GB). */
  requested: number;
}

export function usage(w: World): Required<Quotas> {
  let gigabytes = 0;
  for (const v of w.volumes.values()) gigabytes += v.size;
  for (const s of w.snapshots.values()) gigabytes += s.size;
  return { volumes: w.volumes.size, snapshots: w.snapshots.size, gigabytes };
}

/** The first quota the request would exceed: the count first, then gigabytes (Cinder's reservation order). */
export function quotaExcess(w: World, kind: 'volumes' | 'snapshots', gigabytes: number): QuotaExcess | undefined {
  const q = w.config.quotas;
  const used = usage(w);
  const count = q[kind];
  if (count !== undefined && used[kind] + 1 > count) return { quota: kind, limit: count, consumed: used[kind], requested: 1 };
  if (q.gigabytes !== undefined && used.gigabytes + gigabytes > q.gigabytes)
    return { quota: 'gigabytes', limit: q.gigabytes, consumed: used.gigabytes, requested: gigabytes };
  return undefined;
}
