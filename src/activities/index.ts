// createActivities(deps): the activities the workflows call, closed over one cloud client per worker
// (Temporal samples' dependency-injection pattern). Each returns the API calls it made (`apiCalls`). None waits
// for anything but its own few calls (P9): waits are reads that the retry policy repeats (poll.ts), and waiting
// for another workflow is a signal to a workflow condition.
import { setMaxListeners } from 'node:events';
import { activityInfo, Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { isStatus } from '../cloud/errors';
import type { Priority } from '../cloud/ratelimit';
import type { CloudApi, ContainerFormat, DiskFormat, OsType, Server } from '../cloud/types';
import { type Deadlines, type ExportPlan, type ExportServerPlan, FailureType, type Holder, type PowerPending, type PowerSettled, type StopType } from '../workflows/api';
import { InputError } from '../workflows/validate';
import { awaitImageActive, awaitVolumeReleased, findOurImage, requestExport, type StartedExport, tagImage, type VolumeReleased } from './export';
import { notExportable, toFailure } from './failures';
import { keepAlive } from './heartbeat';
import { acquireHolds, closedHolders, type HoldDeps, holdsUnavailable, runningHolds } from './holds';
import { readPlan, UnknownVolumeError } from './plan';
import { DEFAULT_POLL, type PollPolicy, type Waited } from './poll';
import { awaitDisksReleased, awaitStartable, type PowerArgs, powerPatiently, powerPromptly } from './power';
import { readServerPlan, UnknownServerError } from './server-plan';

export interface ActivityDeps {
  cloud: CloudApi;
  /** Temporal client for the per-server holds (the worker's own connection). */
  client?: Client;
  /** How often a server hold checks that its holders still run; default 30 s. */
  holdLivenessMs?: number;
  /** Poll pace of waits; tests and benchmarks shorten it. */
  poll?: Partial<PollPolicy>;
  /** Lane of these activities' calls in the API budget: `urgent` for the restart queue's worker. */
  priority?: Priority;
}

export type CallCounts = Record<string, number>;
export type Counted<T> = T & { apiCalls: CallCounts };

export interface ImageSummary {
  id: string;
  status: string;
  /** `volume,<id>` when the cloud says which disk the image was made from. */
  dataOrigin: string | null;
}

export function createActivities({ cloud, client, holdLivenessMs, poll, priority = 'normal' }: ActivityDeps) {
  const policy: PollPolicy = { ...DEFAULT_POLL, ...poll };
  function holdDeps(): HoldDeps {
    if (!client) throw holdsUnavailable();
    return { client, livenessCheckMs: holdLivenessMs };
  }

  /** Every activity: the cloud seen with its cancellation signal, lane and call counter; errors as failures. */
  async function counted<T extends object>(what: string, fn: (c: CloudApi) => Promise<T>): Promise<Counted<T>> {
    const apiCalls: CallCounts = {};
    const signal = Context.current().cancellationSignal;
    // Many parallel requests of one activity each listen for its cancellation.
    setMaxListeners(100, signal);
    const c = cloud.withOptions({ signal, priority, onAttempt: (op) => (apiCalls[op] = (apiCalls[op] ?? 0) + 1) });
    try {
      return { ...(await keepAlive(() => fn(c))), apiCalls };
    } catch (err) {
      throw toFailure(err, what);
    }
  }

  /**
   * A wait stage (poll.ts). In the patient stage every read but the last failed with NotReady and reported
   * nothing: each made the calls the last one made, so they count as attempts × those.
   */
  async function waited<T, S = never>(what: string, since: number | undefined, fn: (c: CloudApi) => Promise<Waited<T, S>>): Promise<Counted<{ waited: Waited<T, S> }>> {
    const r = await counted(what, async (c) => ({ waited: await fn(c) }));
    const reads = since === undefined ? 1 : activityInfo().attempt;
    for (const op of Object.keys(r.apiCalls)) r.apiCalls[op] *= reads;
    return r;
  }

  return {
    /** Reads the disk and its servers; refuses what cannot be exported, before anything is touched (P5). */
    async planExport(args: { volumeId: string; stopType?: StopType; deadlines?: Deadlines }): Promise<Counted<{ plan: ExportPlan }>> {
      return counted(`read disk ${args.volumeId} and its servers`, async (c) => {
        let reading;
        try {
          reading = await readPlan(c, args, (ids) => runningHolds(client, ids));
        } catch (err) {
          if (err instanceof UnknownVolumeError) throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
          throw err;
        }
        if (reading.problems.length > 0) throw notExportable(reading.problems.join('; '), reading.plan);
        return { plan: reading.plan };
      });
    },

    /** The plan of a whole-server export: its disks, their image names, every server involved (P5). */
    async planServerExport(args: { serverId: string; imageNamePrefix?: string; stopType?: StopType; deadlines?: Deadlines }): Promise<Counted<{ plan: ExportServerPlan }>> {
      return counted(`read server ${args.serverId} and its disks`, async (c) => {
        let reading;
        try {
          reading = await readServerPlan(c, args, (ids) => runningHolds(client, ids));
        } catch (err) {
          if (err instanceof UnknownServerError || err instanceof InputError) {
            throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
          }
          throw err;
        }
        if (reading.problems.length > 0) throw notExportable(reading.problems.join('; '), reading.plan);
        return { plan: reading.plan };
      });
    },

    /** An image of ours with this name that is made or being made, if any (P3: a re-run returns it). */
    async findExistingImage(args: { imageName: string }): Promise<Counted<{ image: ImageSummary | null }>> {
      return counted(`look for image ${JSON.stringify(args.imageName)}`, async (c) => {
        const image = await findOurImage(c, args.imageName);
        return { image: image ? { id: image.id, status: image.status, dataOrigin: image.dataOrigin } : null };
      });
    },

    /** The image's status now, or `gone`; tells the operator whether a failed run's image may still complete. */
    async describeImage(args: { imageId: string }): Promise<Counted<{ status: string }>> {
      return counted(`read image ${args.imageId}`, async (c) => {
        try {
          return { status: (await c.ims.getImage(args.imageId)).status };
        } catch (err) {
          if (isStatus(err, 404)) return { status: 'gone' };
          throw err;
        }
      });
    },

    /** `os-volume_upload_image`, or the export already in flight adopted (P3); one attempt, the workflow retries. */
    async requestExport(args: {
      volumeId: string;
      imageName: string;
      diskFormat?: DiskFormat;
      containerFormat?: ContainerFormat;
      osType?: OsType;
      mayHaveRequested?: boolean;
    }): Promise<Counted<StartedExport>> {
      return counted(`export disk ${args.volumeId}`, (c) => requestExport(c, args));
    },

    /** A wait stage (`since`: see poll.ts) until the disk leaves `uploading`. */
    async awaitVolumeReleased(args: { volumeId: string; compensating?: boolean; since?: number }) {
      return waited<VolumeReleased>(`wait for disk ${args.volumeId}`, args.since, (c) => awaitVolumeReleased(c, policy, { volumeId: args.volumeId, failOnError: !args.compensating, since: args.since }));
    },

    async awaitImageActive(args: { imageId: string; since?: number }) {
      return waited<{ status: string }>(`wait for image ${args.imageId}`, args.since, (c) => awaitImageActive(c, policy, args));
    },

    async tagImage(args: { imageId: string; tags: string[] }): Promise<Counted<object>> {
      return counted(`tag image ${args.imageId}`, async (c) => {
        await tagImage(c, args.imageId, args.tags);
        return {};
      });
    },

    /** Takes this run's holds (P4); the holds signal back when their servers are stopped. */
    async acquireHolds(args: { serverIds: string[]; holder: Holder; stopType?: StopType; stopMs?: number }): Promise<Counted<object>> {
      return counted(`hold servers ${args.serverIds.join(', ')}`, async () => {
        await acquireHolds(holdDeps(), args);
        return {};
      });
    },

    /** For the holds: which holders' runs have ended. */
    async closedHolders(args: { holders: Holder[] }): Promise<Counted<{ closed: Holder[] }>> {
      return counted('look up holders', async () => ({ closed: await closedHolders(holdDeps(), args.holders) }));
    },

    /** A server's state now (a release whose hold has ended reads it). */
    async readServer(args: { serverId: string }): Promise<Counted<{ server: Server }>> {
      return counted(`read server ${args.serverId}`, async (c) => ({ server: await c.ecs.getServer(args.serverId) }));
    },

    /** For the holds: a stop or start in two stages (power.ts): asks the cloud unless the server is there or moving. */
    async power(args: PowerArgs) {
      const what = `${args.target === 'SHUTOFF' ? 'stop' : 'start'} server ${args.serverId}`;
      const since = args.since;
      return waited<PowerSettled, PowerPending>(what, since, (c) => (since === undefined ? powerPromptly(c, policy, args) : powerPatiently(c, policy, { ...args, since })));
    },

    /** For the holds: until one of the disks their holders wait for has left `uploading` (patient stage only). */
    async awaitDisksReleased(args: { volumeIds: string[]; since?: number }) {
      const since = args.since ?? activityInfo().scheduledTimestampMs;
      return waited(`wait for disks ${args.volumeIds.join(', ')}`, since, (c) => awaitDisksReleased(c, policy, { volumeIds: args.volumeIds, since }));
    },

    async awaitStartable(args: { serverId: string; since?: number }) {
      return waited(`wait for the disks of server ${args.serverId}`, args.since, (c) => awaitStartable(c, policy, args));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
