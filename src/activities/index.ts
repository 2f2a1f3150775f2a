// createActivities(deps): the activities the workflows call, closed over one cloud client per worker
// (Temporal samples' dependency-injection pattern). Each returns the API calls it made (`apiCalls`).
import { ApplicationFailure } from '@temporalio/common';
import type { CloudApi, ContainerFormat, DiskFormat, OsType } from '../cloud/types';
import { type Deadlines, type ExportPlan, FailureType, type StopType } from '../workflows/api';
import { type CallCounts, countingView } from './counting';
import { findOurImage, startExport, type StartedExport, tagImage, type VolumeReleased, waitForImage, waitForVolumeReleased } from './export';
import { notExportable, toFailure } from './failures';
import { readPlan, UnknownVolumeError } from './plan';
import { DEFAULT_POLL, type PollPolicy } from './poll';
import { converge, type ServerTimes } from './servers';

export interface ActivityDeps {
  cloud: CloudApi;
  /** Poll backoff for waits; tests and benchmarks shorten it. */
  poll?: Partial<PollPolicy>;
}

export type Counted<T> = T & { apiCalls: CallCounts };

export function createActivities({ cloud, poll }: ActivityDeps) {
  const policy: PollPolicy = { ...DEFAULT_POLL, ...poll };

  async function counted<T extends object>(fn: (c: CloudApi) => Promise<T>): Promise<Counted<T>> {
    const apiCalls: CallCounts = {};
    const value = await fn(countingView(cloud, apiCalls));
    return { ...value, apiCalls };
  }

  return {
    /** Reads the disk and its servers; refuses what cannot be exported, before anything is touched (P5). */
    async planExport(args: { volumeId: string; stopType?: StopType; deadlines?: Deadlines }): Promise<Counted<{ plan: ExportPlan }>> {
      return counted(async (c) => {
        let reading;
        try {
          reading = await readPlan(c, args);
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

    /** An image of ours with this name that is made or being made, if any (P3: a re-run returns it). */
    async findExistingImage(args: { imageName: string }): Promise<Counted<{ image: { id: string; status: string } | null }>> {
      return counted(async (c) => {
        try {
          const image = await findOurImage(c, args.imageName);
          return { image: image ? { id: image.id, status: image.status } : null };
        } catch (err) {
          throw toFailure(err, `look for image ${JSON.stringify(args.imageName)}`);
        }
      });
    },

    async stopServers(args: { serverIds: string[]; stopType: StopType }): Promise<Counted<{ servers: Record<string, ServerTimes> }>> {
      return counted(async (c) => ({
        servers: await converge(c, policy, args.serverIds, 'SHUTOFF', (ids) => c.ecs.stopServers(ids, args.stopType), `stop servers ${args.serverIds.join(', ')}`),
      }));
    },

    async startServers(args: { serverIds: string[] }): Promise<Counted<{ servers: Record<string, ServerTimes> }>> {
      return counted(async (c) => ({
        servers: await converge(c, policy, args.serverIds, 'ACTIVE', (ids) => c.ecs.startServers(ids), `start servers ${args.serverIds.join(', ')}`),
      }));
    },

    async startExport(args: {
      volumeId: string;
      imageName: string;
      diskFormat?: DiskFormat;
      containerFormat?: ContainerFormat;
      osType?: OsType;
    }): Promise<Counted<StartedExport>> {
      return counted((c) => startExport(c, args));
    },

    async waitForVolumeReleased(args: { volumeId: string }): Promise<Counted<VolumeReleased>> {
      return counted((c) => waitForVolumeReleased(c, policy, args.volumeId));
    },

    async waitForImage(args: { imageId: string }): Promise<Counted<{ status: string }>> {
      return counted((c) => waitForImage(c, policy, args.imageId));
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
