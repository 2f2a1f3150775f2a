// The export request and the waits around it. `requestExport` recognises its own earlier effect (P3): the image
// name plays the part of an idempotency key, so a lost response or a crash after the call adopts the export
// already in flight instead of asking for a second one.
import { ApplicationFailure } from '@temporalio/common';
import { classify, CloudError, isStatus } from '../cloud/errors';
import type { CloudApi, ContainerFormat, DiskFormat, Image, OsType } from '../cloud/types';
import { DEFAULT_CONTAINER_FORMAT, DEFAULT_DISK_FORMAT } from '../formats';
import { FailureType } from '../workflows/api';
import { toFailure } from './failures';
import { type PollPolicy, type Waited, waitStage } from './poll';
import type { UploadingRead } from './shared-reads';
import { type StepTimes, watchStep } from './step-times';

export interface StartExportArgs {
  volumeId: string;
  imageName: string;
  diskFormat?: DiskFormat;
  containerFormat?: ContainerFormat;
  osType?: OsType;
}

export interface StartedExport {
  imageId: string;
  /** True when the export was found already in flight and adopted rather than requested. */
  adopted: boolean;
  force: boolean;
}

// Glance/IMS statuses of an image still being made or made (cloud-api.md §5.1).
const LIVE_IMAGE = new Set(['queued', 'saving', 'active', 'uploading', 'importing']);

/** The oldest image of this project with this name that is made or being made: the result of this request. */
export async function findOurImage(cloud: CloudApi, imageName: string): Promise<Image | undefined> {
  const owner = await cloud.projectId();
  const images = await cloud.ims.findImages({ name: imageName, owner });
  return images.filter((i) => LIVE_IMAGE.has(i.status)).sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''))[0];
}

/** An earlier request may have reached the cloud and left no live image: say why, never ask again (P3). */
async function noSecondRequest(cloud: CloudApi, imageName: string, what: string): Promise<ApplicationFailure> {
  const owner = await cloud.projectId();
  const failed = (await cloud.ims.findImages({ name: imageName, owner })).find((i) => !LIVE_IMAGE.has(i.status));
  return ApplicationFailure.create({
    type: FailureType.ImageFailed,
    message: failed
      ? `${what}: the export requested earlier failed: image ${failed.id} is ${JSON.stringify(failed.status)}`
      : `${what}: an earlier export request got no answer and no image of that name exists now, so the upload failed in the ` +
        'cloud or the request never arrived; not requesting a second export — run again to retry',
    nonRetryable: true,
    details: [{ imageId: failed?.id, status: failed?.status ?? 'gone' }],
  });
}

/**
 * Requests the export once. `mayHaveRequested` says an earlier attempt may have reached the cloud (its answer was
 * lost, or its worker died): then the export is adopted if its image exists, and otherwise NOT requested again —
 * the cloud deletes the image of a failed upload, so "no image" may mean "exported and failed" (P3 over retrying).
 * `asPlanned`: the run's plan found no image of this name and the disk in this state, and nothing of this run
 * has asked yet — the request goes out at once, while the servers are down, without reading both again; only a
 * refusal (a disk no longer as planned, e.g. `uploading` under a request of an earlier run) reads them.
 */
export async function requestExport(
  cloud: CloudApi,
  args: StartExportArgs & { mayHaveRequested?: boolean; asPlanned?: { force: boolean } },
): Promise<StartedExport> {
  const what = `export disk ${args.volumeId} as image ${JSON.stringify(args.imageName)}`;
  let sent = false;
  const upload = async (force: boolean): Promise<StartedExport> => {
    sent = true;
    const r = await cloud.evs.uploadImage(args.volumeId, {
      imageName: args.imageName,
      force,
      // Each cloud's own default: OTC's zvhd2 is no format vanilla Cinder knows.
      diskFormat: args.diskFormat ?? ((await cloud.profile()) === 'openstack' ? 'raw' : DEFAULT_DISK_FORMAT),
      containerFormat: args.containerFormat ?? DEFAULT_CONTAINER_FORMAT,
      osType: args.osType,
    });
    return { imageId: r.imageId, adopted: false, force };
  };
  try {
    if (args.asPlanned && !args.mayHaveRequested) {
      try {
        return await upload(args.asPlanned.force);
      } catch (err) {
        // A 400 is a refusal: nothing was exported. The checked request below tells why, or asks as it should now.
        if (!isStatus(err, 400)) throw err;
        sent = false;
      }
    }
    // Side by side: a stopped server waits for this request, and under a saturated budget each read waits its turn.
    const [volume, existing] = await Promise.all([cloud.evs.getVolume(args.volumeId), findOurImage(cloud, args.imageName)]);
    if (existing) return { imageId: existing.id, adopted: true, force: volume.status === 'in-use' || volume.status === 'uploading' };
    if (args.mayHaveRequested) throw await noSecondRequest(cloud, args.imageName, what);
    if (volume.status === 'uploading') {
      throw ApplicationFailure.create({
        type: FailureType.NotExportable,
        message: `${what}: the disk is already uploading to an image that is not ours; refusing to export it twice`,
        nonRetryable: true,
      });
    }
    return await upload(volume.status === 'in-use');
  } catch (err) {
    const failure = toFailure(err, what);
    // Unknown on the cloud's side only when no answer came back (lost connection, timeout) or a gateway answered
    // for a backend that may have acted (502, 504). Throttling and a service's own 5xx mean "not executed".
    if (failure instanceof ApplicationFailure && !failure.nonRetryable) {
      const status = err instanceof CloudError ? err.status : 0;
      const uncertain = sent && classify(err).kind === 'transient' && [0, 502, 504].includes(status);
      throw ApplicationFailure.create({
        type: failure.type ?? FailureType.CloudUnavailable,
        message: failure.message,
        nonRetryable: false,
        nextRetryDelay: failure.nextRetryDelay,
        details: [{ requestSent: uncertain }],
      });
    }
    throw failure;
  }
}

export interface VolumeReleased {
  status: string;
  releasedAt: string;
}

/**
 * A wait until the disk leaves `uploading` (P1: only then may its servers run again). A disk that turns to
 * `error*` fails the wait at once (P6) — unless the caller is compensating, for which any state but `uploading` will do.
 * The upload is expected from the disk's size (its first read tells it) and this worker's past uploads; the
 * compensation's wait began mid-upload, at a moment unrelated to the upload's start: it expects nothing.
 */
export function awaitVolumeReleased(
  cloud: CloudApi,
  policy: PollPolicy,
  args: { volumeId: string; failOnError: boolean; since?: number },
  times?: StepTimes,
  /** The worker's shared reads (shared-reads.ts); a listing that no longer has the disk is followed by a GET. */
  shared?: UploadingRead,
): Promise<Waited<VolumeReleased>> {
  const { volumeId, failOnError } = args;
  const what = `wait for disk ${volumeId} to leave "uploading"`;
  let sizeGb: number | undefined;
  const step = times && failOnError ? watchStep(times, 'upload', () => sizeGb) : undefined;
  return waitStage<VolumeReleased>(
    policy,
    what,
    args.since,
    async () => {
      const listed = shared && (await shared(volumeId));
      // A listing without the disk: it has left `uploading`, and only this read of how stands before the restart.
      const v = listed ?? (await cloud.evs.getVolume(volumeId, shared ? { priority: 'urgent' } : undefined));
      sizeGb = v.size;
      if (v.status === 'uploading') return { notYet: 'the disk is uploading' };
      if (failOnError && v.status.startsWith('error')) {
        throw ApplicationFailure.create({
          type: FailureType.VolumeFailed,
          message: `${what}: the disk is now in status ${JSON.stringify(v.status)}`,
          nonRetryable: true,
        });
      }
      return { done: { status: v.status, releasedAt: new Date().toISOString() } };
    },
    step,
  );
}

/**
 * A wait until the image is `active`; `killed`, `deleted` or gone fail at once (P6). It begins after the restarts,
 * so what it learns is how long an image still takes then.
 */
export function awaitImageActive(
  cloud: CloudApi,
  policy: PollPolicy,
  args: { imageId: string; since?: number },
  times?: StepTimes,
): Promise<Waited<{ status: string }>> {
  const { imageId } = args;
  const what = `wait for image ${imageId} to become active`;
  const step = times && watchStep(times, 'image');
  return waitStage<{ status: string }>(
    policy,
    what,
    args.since,
    async () => {
      let image: Image;
      try {
        image = await cloud.ims.getImage(imageId);
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
        throw ApplicationFailure.create({
          type: FailureType.ImageFailed,
          message: `${what}: image ${imageId} is gone (the upload failed)`,
          nonRetryable: true,
          details: [{ imageId, status: 'gone' }],
        });
      }
      if (image.status === 'active') return { done: { status: image.status } };
      if (image.status === 'killed' || image.status === 'deleted' || image.status === 'pending_delete') {
        throw ApplicationFailure.create({
          type: FailureType.ImageFailed,
          message: `${what}: image ${imageId} ended ${JSON.stringify(image.status)} (the upload failed)`,
          nonRetryable: true,
          details: [{ imageId, status: image.status }],
        });
      }
      return { notYet: `the image is ${image.status}` };
    },
    step,
  );
}

export async function tagImage(cloud: CloudApi, imageId: string, tags: string[]): Promise<void> {
  try {
    for (const tag of tags) await cloud.ims.addTag(imageId, tag);
  } catch (err) {
    throw toFailure(err, `tag image ${imageId}`);
  }
}
