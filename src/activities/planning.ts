// The activities of the plan: read-only, before anything is stopped or created (P5).
import { ApplicationFailure } from '@temporalio/common';
import type { CloudApi } from '../cloud/types';
import { CINDER_DISK_FORMATS, OTC_DISK_FORMATS } from '../formats';
import { type Deadlines, type ExportPlan, type ExportServerPlan, FailureType, type StopType, type Strategy } from '../workflows/api';
import { InputError } from '../workflows/validate';
import { findOurImage } from './export';
import { notExportable } from './failures';
import { runningHolds } from './holds';
import { readPlan, UnknownVolumeError } from './plan';
import type { ActivityScope, Counted } from './scope';
import { readServerPlan, UnknownServerError } from './server-plan';

export interface ImageSummary {
  id: string;
  status: string;
  /** `volume,<id>` when the cloud says which disk the image was made from. */
  dataOrigin: string | null;
  /** Absent in histories recorded before the snapshot strategy. */
  tags?: string[];
}

function invalidInput(err: unknown): never {
  throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: (err as Error).message, nonRetryable: true });
}

/** InvalidInput naming the field, the value and what this cloud takes, for a format of the other kind of cloud. */
function refuseFormatOf(profile: 'otc' | 'openstack', format: string): void {
  const [own, other, cloud] =
    profile === 'openstack'
      ? [CINDER_DISK_FORMATS, 'an Open Telekom Cloud format', "this OpenStack cloud's Cinder"]
      : [OTC_DISK_FORMATS, "vanilla Cinder's", 'this Open Telekom Cloud / Huawei Cloud EVS'];
  if (!(own as readonly string[]).includes(format))
    invalidInput(new Error(`diskFormat: ${JSON.stringify(format)} is ${other}; ${cloud} takes ${own.join(', ')}`));
}

interface PlanArgs {
  volumeId: string;
  stopType?: StopType;
  deadlines?: Deadlines;
  strategy?: Strategy;
  stopServers?: boolean;
  diskFormat?: string;
}

async function imageNamed(c: CloudApi, imageName: string): Promise<ImageSummary | null> {
  const image = await findOurImage(c, imageName);
  return image ? { id: image.id, status: image.status, dataOrigin: image.dataOrigin, tags: image.tags } : null;
}

export function planningActivities(s: ActivityScope) {
  const held = (ids: string[]) => runningHolds(s.deps.client, ids);
  const plan = async (c: CloudApi, args: PlanArgs): Promise<ExportPlan> => {
    // A format this cloud does not take is refused now, before any server stops (P5).
    if (args.diskFormat) refuseFormatOf(await c.profile(), args.diskFormat);
    const reading = await readPlan(c, args, held).catch((err: unknown) =>
      err instanceof UnknownVolumeError ? invalidInput(err) : Promise.reject(err),
    );
    if (reading.problems.length > 0) throw notExportable(reading.problems.join('; '), reading.plan);
    // A run that only joins servers other runs already hold stops nothing new: it needs no admission.
    const unheld = reading.plan.toStop.filter((id) => !reading.held.has(id));
    const admission = s.deps.admission === true && unheld.length > 0;
    // Other runs may stop them first when every one has other disks: the run then waits in its holds.
    const admissionJoins = admission && unheld.every((id) => reading.shared.has(id));
    return { ...reading.plan, ...(admission ? { admission } : {}), ...(admissionJoins ? { admissionJoins } : {}) };
  };
  return {
    /** Reads the disk and its servers; refuses what cannot be exported, before anything is touched (P5). */
    async planExport(args: PlanArgs): Promise<Counted<{ plan: ExportPlan }>> {
      return s.counted(`read disk ${args.volumeId} and its servers`, async (c) => ({ plan: await plan(c, args) }));
    },

    /**
     * The image of that name and the plan, side by side in one activity: a fleet's runs would otherwise each wait
     * twice for the task queue's dispatch rate, and under a saturated budget a plan's reads gather with other
     * runs' only if they are not queued behind its name's. An active image is the answer (P3: a re-run returns
     * it), whatever the plan found — the disk may be gone since.
     */
    async planExportOrFindImage(
      args: PlanArgs & { imageName: string },
    ): Promise<Counted<{ image: ImageSummary | null; plan?: ExportPlan }>> {
      return s.counted(`look for image ${JSON.stringify(args.imageName)}, read disk ${args.volumeId} and its servers`, async (c) => {
        const [named, planned] = await Promise.allSettled([imageNamed(c, args.imageName), plan(c, args)]);
        if (named.status === 'rejected') throw named.reason;
        const image = named.value;
        if (image?.status === 'active') return { image };
        if (planned.status === 'rejected') throw planned.reason;
        return { image, plan: planned.value };
      });
    },

    /**
     * A run's admission (EVS_EXPORT_ADMISSION): does nothing. It runs on the admission task queue, which the server
     * hands out no faster than the account's budget carries exports through, so taking it is the wait.
     */
    async admit(): Promise<object> {
      return {};
    },

    /** The plan of a whole-server export: its disks, their image names, every server involved (P5). */
    async planServerExport(args: {
      serverId: string;
      imageNamePrefix?: string;
      stopType?: StopType;
      deadlines?: Deadlines;
    }): Promise<Counted<{ plan: ExportServerPlan }>> {
      return s.counted(`read server ${args.serverId} and its disks`, async (c) => {
        const reading = await readServerPlan(c, args, held).catch((err: unknown) =>
          err instanceof UnknownServerError || err instanceof InputError ? invalidInput(err) : Promise.reject(err),
        );
        if (reading.problems.length > 0) throw notExportable(reading.problems.join('; '), reading.plan);
        return { plan: reading.plan };
      });
    },

    /** An image of ours with this name that is made or being made, if any (P3: a re-run returns it). */
    async findExistingImage(args: { imageName: string }): Promise<Counted<{ image: ImageSummary | null }>> {
      return s.counted(`look for image ${JSON.stringify(args.imageName)}`, async (c) => ({ image: await imageNamed(c, args.imageName) }));
    },
  };
}
