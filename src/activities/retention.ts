// Retention of a golden-image lineage: after a successful build keep the newest N images that carry the lineage's
// tags and delete the older ones — never one that is protected, tagged `keep`, booted by a server, named by a
// disk's image metadata, or shared with another project. Each skipped image is reported with its reason.
import { isStatus } from '../cloud/errors';
import type { CloudApi, Image, Server, Volume } from '../cloud/types';

export interface RetentionArgs {
  /** The lineage: images carrying all of these tags. */
  lineageTags: string[];
  keep: number;
  /** Report what would be deleted, delete nothing. */
  dryRun?: boolean;
  /** The image this build made: kept whatever its place in the order. */
  newestImageId?: string;
}

export interface RetentionResult {
  kept: string[];
  deleted: string[];
  skipped: { imageId: string; name: string; reason: string }[];
  dryRun: boolean;
}

/** Tag that keeps an image out of retention. */
export const KEEP_TAG = 'keep';

const newestFirst = (a: Image, b: Image) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || b.name.localeCompare(a.name);

export async function applyRetention(cloud: CloudApi, a: RetentionArgs): Promise<RetentionResult> {
  const owner = await cloud.projectId();
  const lineage = (await cloud.ims.findImagesByTags({ tags: a.lineageTags, owner }))
    .filter((i) => i.status !== 'deleted')
    .sort(newestFirst);
  const kept = lineage.slice(0, a.keep).map((i) => i.id);
  if (a.newestImageId && !kept.includes(a.newestImageId)) kept.push(a.newestImageId);
  const older = lineage.filter((i) => !kept.includes(i.id));
  const result: RetentionResult = { kept, deleted: [], skipped: [], dryRun: !!a.dryRun };
  if (older.length === 0) return result;
  const use = await readUse(cloud);
  for (const image of older) {
    const reason = (await whyKeep(cloud, image, use)) ?? null;
    if (reason) result.skipped.push({ imageId: image.id, name: image.name, reason });
    else {
      if (!a.dryRun) await deleteImage(cloud, image.id);
      result.deleted.push(image.id);
    }
  }
  return result;
}

interface Use {
  servers: Server[];
  volumes: Volume[];
}

async function readUse(cloud: CloudApi): Promise<Use> {
  const [servers, volumes] = await Promise.all([cloud.ecs.listServers(), cloud.evs.listVolumes()]);
  return { servers, volumes };
}

/** Why this image must stay, or undefined when it may go. */
async function whyKeep(cloud: CloudApi, image: Image, use: Use): Promise<string | undefined> {
  if (image.protected) return 'protected';
  if (image.tags.includes(KEEP_TAG)) return `tagged "${KEEP_TAG}"`;
  const server = use.servers.find((s) => s.imageId === image.id);
  if (server) return `server ${server.name} (${server.id}) booted from it`;
  const disk = use.volumes.find((v) => v.volumeImageMetadata?.image_id === image.id);
  if (disk) return `disk ${disk.name} (${disk.id}) was made from it`;
  if (image.visibility === 'public') return 'public';
  const members = (await membersOf(cloud, image.id)).filter((m) => m.status !== 'rejected');
  if (members.length) return `shared with project(s) ${members.map((m) => m.memberId).join(', ')}`;
  return undefined;
}

/** Glance refuses the member list of an image that cannot have members (403: public, or not `shared`). */
async function membersOf(cloud: CloudApi, imageId: string) {
  try {
    return await cloud.ims.listMembers(imageId);
  } catch (err) {
    if (isStatus(err, 403)) return [];
    throw err;
  }
}

async function deleteImage(cloud: CloudApi, imageId: string): Promise<void> {
  try {
    await cloud.ims.deleteImage(imageId);
  } catch (err) {
    // Already gone is what retention wanted.
    if (!isStatus(err, 404)) throw err;
  }
}
