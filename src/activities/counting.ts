// Per-run API cost (P8): each activity invocation sees the cloud through a view that counts its calls, and
// returns the counts with its result, so the workflow can add them up whichever worker ran each step.
import type { CloudApi } from '../cloud/types';

export type CallCounts = Record<string, number>;

function countService<T extends object>(service: T, prefix: string, counts: CallCounts): T {
  return new Proxy(service, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const op = `${prefix}.${String(prop)}`;
      return (...args: unknown[]) => {
        counts[op] = (counts[op] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
}

export function countingView(cloud: CloudApi, counts: CallCounts): CloudApi {
  return {
    projectId: (o) => cloud.projectId(o),
    evs: countService(cloud.evs, 'evs', counts),
    ecs: countService(cloud.ecs, 'ecs', counts),
    ims: countService(cloud.ims, 'ims', counts),
    callCounts: () => counts,
    close: () => cloud.close(),
  };
}

export function addCounts(into: CallCounts, more: CallCounts | undefined): CallCounts {
  for (const [op, n] of Object.entries(more ?? {})) into[op] = (into[op] ?? 0) + n;
  return into;
}
