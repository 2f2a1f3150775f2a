// The plan of a whole-server export: the server's disks, the image name of each, and every server attached to
// any of them (a shared data disk brings its other servers into the set that must be stopped).
import { isStatus } from '../cloud/errors';
import type { CloudApi } from '../cloud/types';
import type { Deadlines, ExportServerPlan, PlannedServer, StopType } from '../workflows/api';
import { resolveDeadlines } from '../workflows/deadlines';
import { InputError, validateExportInput } from '../workflows/validate';
import { readPlan } from './plan';

export class UnknownServerError extends Error {
  override name = 'UnknownServerError';
  constructor(readonly serverId: string) {
    super(`serverId: no server ${JSON.stringify(serverId)} in this project`);
  }
}

/** A name the EVS export accepts: letters, digits, `-`, `.`, `_`, spaces, no edge spaces. */
export function imageNamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9._ -]+/g, '-').trim() || 'server';
}

export async function readServerPlan(
  cloud: CloudApi,
  args: { serverId: string; imageNamePrefix?: string; stopType?: StopType; deadlines?: Deadlines },
  heldServers: (ids: string[]) => Promise<Set<string>>,
): Promise<{ plan: ExportServerPlan; problems: string[] }> {
  let server;
  try {
    server = await cloud.ecs.getServer(args.serverId);
  } catch (err) {
    if (isStatus(err, 404)) throw new UnknownServerError(args.serverId);
    throw err;
  }
  const prefix = args.imageNamePrefix ?? imageNamePart(server.name);
  const problems: string[] = [];
  const servers = new Map<string, PlannedServer>();
  const disks: ExportServerPlan['disks'] = [];
  let biggest = 0;
  // System disk first (bootIndex 0), then data disks by device.
  const attached = [...server.volumesAttached].sort(
    (a, b) => Number(a.bootIndex !== '0') - Number(b.bootIndex !== '0') || (a.device ?? '').localeCompare(b.device ?? ''),
  );
  for (const [i, v] of attached.entries()) {
    const reading = await readPlan(cloud, { volumeId: v.id, stopType: args.stopType, deadlines: args.deadlines }, heldServers);
    problems.push(...reading.problems);
    for (const s of reading.plan.servers) servers.set(s.serverId, s);
    const suffix = v.device ? v.device.split('/').pop()! : `disk${i}`;
    const imageName = `${prefix}-${suffix}`;
    try {
      validateExportInput({ volumeId: v.id, imageName });
    } catch (err) {
      if (err instanceof InputError)
        throw new InputError('imageNamePrefix', prefix, `gives the image name ${JSON.stringify(imageName)}, which ${err.message}`);
      throw err;
    }
    disks.push({
      volumeId: v.id,
      volumeName: reading.plan.volumeName,
      device: v.device,
      bootable: reading.plan.bootable,
      sizeGb: reading.plan.sizeGb,
      imageName,
    });
    biggest = Math.max(biggest, reading.plan.sizeGb);
  }
  const all = [...servers.values()].sort((a, b) => a.serverId.localeCompare(b.serverId));
  return {
    plan: {
      serverId: server.id,
      serverName: server.name,
      disks,
      servers: all,
      toStop: all.filter((s) => s.wasRunning).map((s) => s.serverId),
      deadlines: resolveDeadlines(biggest, args.stopType, args.deadlines),
    },
    problems,
  };
}
