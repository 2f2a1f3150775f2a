// Per-run API cost (P8): each activity invocation sees the cloud through a view that counts its calls, and
// returns the counts with its result, so the workflow can add them up whichever worker ran each step.
import type { CloudApi } from '../cloud/types';

export type CallCounts = Record<string, number>;

/**
 * Counts each call, and passes the activity's cancellation signal as the trailing `CallOptions` when the caller
 * gave none, so a cancelled activity aborts its HTTP request (every API method takes `o?: CallOptions` last).
 */
function countService<T extends object>(service: T, prefix: string, counts: CallCounts, signal?: AbortSignal): T {
  return new Proxy(service, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const op = `${prefix}.${String(prop)}`;
      return (...args: unknown[]) => {
        counts[op] = (counts[op] ?? 0) + 1;
        if (signal && args.length < value.length) {
          args = [...args, ...new Array(value.length - args.length).fill(undefined)];
        }
        if (signal && args.length === value.length && args[args.length - 1] === undefined) args[args.length - 1] = { signal };
        return value.apply(target, args);
      };
    },
  });
}

export function countingView(cloud: CloudApi, counts: CallCounts, signal?: AbortSignal): CloudApi {
  return {
    projectId: (o) => cloud.projectId(o ?? { signal }),
    evs: countService(cloud.evs, 'evs', counts, signal),
    ecs: countService(cloud.ecs, 'ecs', counts, signal),
    ims: countService(cloud.ims, 'ims', counts, signal),
    callCounts: () => counts,
    close: () => cloud.close(),
  };
}
