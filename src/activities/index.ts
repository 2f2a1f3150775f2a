// createActivities(deps): the activities the workflows call, closed over one cloud client per worker
// (Temporal samples' dependency-injection pattern). Each returns the API calls it made (`apiCalls`).
import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isStatus } from '../cloud/errors';
import type { Client } from '@temporalio/client';
import type { CloudApi, ContainerFormat, DiskFormat, OsType, Server } from '../cloud/types';
import { type Deadlines, type ExportPlan, type ExportServerPlan, FailureType, type HeldServer, type Holder, type ReleaseResult, type StopType } from '../workflows/api';
import { type CallCounts, countingView } from './counting';
import { findOurImage, startExport, type StartedExport, tagImage, type VolumeReleased, waitForImage, waitForVolumeReleased } from './export';
import { notExportable, toFailure } from './failures';
import { keepAlive } from './heartbeat';
import { attachedDiskUploading, closedHolders, type HoldDeps, holdServers, holdsUnavailable, releaseServers, runningHolds } from './holds';
import { readServerPlan, UnknownServerError } from './server-plan';
import { InputError } from '../workflows/validate';
import { readPlan, UnknownVolumeError } from './plan';
import { DEFAULT_POLL, type PollPolicy } from './poll';
import { type Converged, converge } from './servers';

export interface ActivityDeps {
  cloud: CloudApi;
  /** Temporal client for the per-server holds (the worker's own connection). */
  client?: Client;
  /** How often a server hold checks that its holders still run; default 30 s. */
  holdLivenessMs?: number;
  /** Poll backoff for waits; tests and benchmarks shorten it. */
  poll?: Partial<PollPolicy>;
}

export type Counted<T> = T & { apiCalls: CallCounts };

export interface ImageSummary {
  id: string;
  status: string;
  /** `volume,<id>` when the cloud says which disk the image was made from. */
  dataOrigin: string | null;
}

export function createActivities({ cloud, client, holdLivenessMs, poll }: ActivityDeps) {
  const policy: PollPolicy = { ...DEFAULT_POLL, ...poll };
  function holdDeps(): HoldDeps {
    if (!client) throw holdsUnavailable();
    return { client, livenessCheckMs: holdLivenessMs };
  }

  // Every activity: heartbeats while it runs, sees the cloud through a counting, cancellable view.
  async function counted<T extends object>(fn: (c: CloudApi) => Promise<T>): Promise<Counted<T>> {
    const apiCalls: CallCounts = {};
    const signal = Context.current().cancellationSignal;
    // Many parallel requests of one activity (a shared disk's servers) each listen for its cancellation.
    setMaxListeners(100, signal);
    const view = countingView(cloud, apiCalls, signal);
    const value = await keepAlive(() => fn(view));
    return { ...value, apiCalls };
  }

  return {
    /** Reads the disk and its servers; refuses what cannot be exported, before anything is touched (P5). */
    async planExport(args: { volumeId: string; stopType?: StopType; deadlines?: Deadlines }): Promise<Counted<{ plan: ExportPlan }>> {
      return counted(async (c) => {
        let reading;
        try {
          reading = await readPlan(c, args, undefined, (ids) => runningHolds(client, ids));
        } catch (err) {
          if (err instanceof UnknownVolumeError) {
            throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
          }
          throw toFailure(err, `read disk ${args.volumeId} and its servers`);
        }
        if (reading.problems.length > 0) throw notExportable(reading.problems.join('; '), reading.plan);
        return { plan: reading.plan };
      });
    },

    /** The plan of a whole-server export: its disks, their image names, every server involved (P5). */
    async planServerExport(args: { serverId: string; imageNamePrefix?: string; stopType?: StopType; deadlines?: Deadlines }): Promise<Counted<{ plan: ExportServerPlan }>> {
      return counted(async (c) => {
        let reading;
        try {
          reading = await readServerPlan(c, args, (ids) => runningHolds(client, ids));
        } catch (err) {
          if (err instanceof UnknownServerError || err instanceof InputError) {
            throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
          }
          throw toFailure(err, `read server ${args.serverId} and its disks`);
        }
        if (reading.problems.length > 0) throw notExportable(reading.problems.join('; '), reading.plan);
        return { plan: reading.plan };
      });
    },

    /** An image of ours with this name that is made or being made, if any (P3: a re-run returns it). */
    async findExistingImage(args: { imageName: string }): Promise<Counted<{ image: ImageSummary | null }>> {
      return counted(async (c) => {
        try {
          const image = await findOurImage(c, args.imageName);
          return { image: image ? { id: image.id, status: image.status, dataOrigin: image.dataOrigin } : null };
        } catch (err) {
          throw toFailure(err, `look for image ${JSON.stringify(args.imageName)}`);
        }
      });
    },

    /** The image's status now, or `gone`; used to tell the operator whether a failed run's image may still complete. */
    async describeImage(args: { imageId: string }): Promise<Counted<{ status: string }>> {
      return counted(async (c) => {
        try {
          return { status: (await c.ims.getImage(args.imageId)).status };
        } catch (err) {
          if (isStatus(err, 404)) return { status: 'gone' };
          throw toFailure(err, `read image ${args.imageId}`);
        }
      });
    },

    /** Stops the servers and confirms each SHUTOFF with no task; failed jobs are retried and reported. */
    async stopServers(args: { serverIds: string[]; stopType: StopType }): Promise<Counted<Converged>> {
      return counted((c) => converge(c, policy, args.serverIds, 'SHUTOFF', (ids) => c.ecs.stopServers(ids, args.stopType), `stop servers ${args.serverIds.join(', ')}`));
    },

    async startExport(args: {
      volumeId: string;
      imageName: string;
      diskFormat?: DiskFormat;
      containerFormat?: ContainerFormat;
      osType?: OsType;
      mayHaveRequested?: boolean;
    }): Promise<Counted<StartedExport>> {
      return counted((c) => startExport(c, args));
    },

    async waitForVolumeReleased(args: { volumeId: string; compensating?: boolean }): Promise<Counted<VolumeReleased>> {
      return counted((c) => waitForVolumeReleased(c, policy, args.volumeId, !args.compensating));
    },

    async waitForImage(args: { imageId: string }): Promise<Counted<{ status: string }>> {
      return counted((c) => waitForImage(c, policy, args.imageId));
    },

    /** Holds the servers stopped for this run (P4): stopped once by the first holder, restarted by the last. */
    async holdServers(args: { serverIds: string[]; holder: Holder; stopType?: StopType }): Promise<Counted<{ servers: Record<string, HeldServer> }>> {
      return counted(async () => ({ servers: await holdServers(holdDeps(), args) }));
    },

    /** Releases this run's holds; reports per server whether it runs again, is held by others, or stays stopped. */
    async releaseServers(args: { serverIds: string[]; holder: Holder; leaveStopped?: boolean; waitMs?: number }): Promise<Counted<{ servers: Record<string, ReleaseResult> }>> {
      return counted(async (c) => ({ servers: await releaseServers(holdDeps(), c, args) }));
    },

    /** For the hold workflow: the server's state now. */
    async readServer(args: { serverId: string }): Promise<Counted<{ server: Server }>> {
      return counted(async (c) => {
        try {
          return { server: await c.ecs.getServer(args.serverId) };
        } catch (err) {
          throw toFailure(err, `read server ${args.serverId}`);
        }
      });
    },

    /** For the hold workflow: starts the server, but only once no disk attached to it is `uploading` (P1). */
    async startServersWhenSafe(args: { serverIds: string[] }): Promise<Counted<Converged>> {
      return counted((c) =>
        converge(c, policy, args.serverIds, 'ACTIVE', (ids) => c.ecs.startServers(ids), `start servers ${args.serverIds.join(', ')}`, async (ids) => {
          for (const id of ids) if (await attachedDiskUploading(c, id)) return false;
          return true;
        }),
      );
    },

    /** For the hold workflow: which holders' runs have ended. */
    async closedHolders(args: { holders: Holder[] }): Promise<Counted<{ closed: Holder[] }>> {
      return counted(async () => ({ closed: await closedHolders(holdDeps(), args.holders) }));
    },

    async tagImage(args: { imageId: string; tags: string[] }): Promise<Counted<object>> {
      return counted(async (c) => {
        await tagImage(c, args.imageId, args.tags);
        return {};
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
