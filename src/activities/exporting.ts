// The activities of the export itself: the request (once, P3), the waits for the disk and the image, the tags.
import { isStatus } from '../cloud/errors';
import type { ContainerFormat, DiskFormat, OsType } from '../cloud/types';
import { awaitImageActive, awaitVolumeReleased, requestExport, type StartedExport, tagImage, type VolumeReleased } from './export';
import type { ActivityScope, Counted } from './scope';

export function exportingActivities(s: ActivityScope) {
  return {
    /** `os-volume_upload_image`, or the export already in flight adopted (P3); one attempt, the workflow retries. */
    async requestExport(args: {
      volumeId: string;
      imageName: string;
      diskFormat?: DiskFormat;
      containerFormat?: ContainerFormat;
      osType?: OsType;
      mayHaveRequested?: boolean;
      asPlanned?: { force: boolean };
    }): Promise<Counted<StartedExport>> {
      return s.counted(`export disk ${args.volumeId}`, (c) => requestExport(c, args));
    },

    /** A wait stage (`since`: see poll.ts) until the disk leaves `uploading`. */
    async awaitVolumeReleased(args: { volumeId: string; compensating?: boolean; since?: number }) {
      const { volumeId, since } = args;
      return s.waited<VolumeReleased>(`wait for disk ${volumeId}`, since, (c, o) =>
        awaitVolumeReleased(c, s.policy, { volumeId, failOnError: !args.compensating, since }, s.times, s.uploadingRead(o)),
      );
    },

    async awaitImageActive(args: { imageId: string; since?: number }) {
      return s.waited<{ status: string }>(`wait for image ${args.imageId}`, args.since, (c) =>
        awaitImageActive(c, s.policy, args, s.times),
      );
    },

    async tagImage(args: { imageId: string; tags: string[] }): Promise<Counted<object>> {
      return s.counted(`tag image ${args.imageId}`, async (c) => {
        await tagImage(c, args.imageId, args.tags);
        return {};
      });
    },

    /** The image's status now, or `gone`; tells the operator whether a failed run's image may still complete. */
    async describeImage(args: { imageId: string }): Promise<Counted<{ status: string }>> {
      return s.counted(`read image ${args.imageId}`, async (c) => {
        try {
          return { status: (await c.ims.getImage(args.imageId)).status };
        } catch (err) {
          if (isStatus(err, 404)) return { status: 'gone' };
          throw err;
        }
      });
    },
  };
}
