// The activities of the per-server holds: taking them (the exports), and what the hold workflows do — read,
// stop and start their server, watch disks, look up their holders.
import type { Server } from '../cloud/types';
import type { Holder, PowerPending, PowerSettled } from '../workflows/api';
import { type AcquireArgs, acquireHolds, closedHolders } from './holds';
import { awaitStartable, type PowerArgs, powerPatiently, powerPromptly } from './power';
import type { ActivityScope, Counted } from './scope';

export function holdingActivities(s: ActivityScope) {
  return {
    /**
     * Takes this run's holds (P4); the holds signal back when their servers are stopped. `waiting`: the run waits
     * for its admission, and the holds stop nothing for it until it acquires again without.
     */
    async acquireHolds(args: AcquireArgs): Promise<Counted<{ stopping: string[] }>> {
      return s.counted(`hold servers ${args.serverIds.join(', ')}`, () => acquireHolds(s.holdDeps(), args));
    },

    /** For the holds: which holders' runs have ended. */
    async closedHolders(args: { holders: Holder[] }): Promise<Counted<{ closed: Holder[] }>> {
      return s.counted('look up holders', async () => ({ closed: await closedHolders(s.holdDeps(), args.holders) }));
    },

    /** A server's state now (a hold's first look; a release whose hold has ended). */
    async readServer(args: { serverId: string }): Promise<Counted<{ server: Server }>> {
      return s.counted(`read server ${args.serverId}`, async (c) => ({ server: await c.ecs.getServer(args.serverId) }));
    },

    /** For the holds: a stop or start in two stages (power.ts): asks the cloud unless the server is there or moving. */
    async power(args: PowerArgs) {
      const what = `${args.target === 'SHUTOFF' ? 'stop' : 'start'} server ${args.serverId}`;
      const since = args.since;
      return s.waited<PowerSettled, PowerPending>(what, since, (c, o) =>
        since === undefined
          ? powerPromptly(c, s.policy, args, s.times, s.uploadingRead(o))
          : powerPatiently(c, s.policy, { ...args, since }, s.times, s.uploadingRead(o)),
      );
    },

    async awaitStartable(args: { serverId: string; since?: number }) {
      return s.waited(`wait for the disks of server ${args.serverId}`, args.since, (c, o) =>
        awaitStartable(c, s.policy, args, s.uploadingRead(o)),
      );
    },
  };
}
