// Reading the disk and its servers into a plan. Used by the `planExport` activity and, read-only, by
// `evs-export inspect`. Refusals here happen before anything is stopped or created (P5).
import { isStatus } from '../cloud/errors';
import type { CloudApi, Server } from '../cloud/types';
import type { Deadlines, ExportPlan, OsType, PlannedServer, StopType, Strategy } from '../workflows/api';
import { resolveDeadlines } from '../workflows/deadlines';
import { estimateDowntime, formatDuration } from '../workflows/estimates';
import { OS_TYPES } from '../formats';

// cloud-api.md §3.2: only these disk states allow the upload action.
const EXPORTABLE = new Set(['available', 'in-use']);

export interface PlanReading {
  plan: ExportPlan;
  /** Why this disk cannot be exported now; empty when it can. Each names the field and value. */
  problems: string[];
  /** The disk's servers that another run holds now. */
  held: Set<string>;
  /** The disk's servers that have other disks too, which other runs may stop. */
  shared: Set<string>;
}

export class UnknownVolumeError extends Error {
  override name = 'UnknownVolumeError';
  constructor(readonly volumeId: string) {
    super(`volumeId: no disk ${JSON.stringify(volumeId)} in this project`);
  }
}

function isStopped(s: Server): boolean {
  return s.status === 'SHUTOFF' && s.taskState === null;
}

function isRunning(s: Server): boolean {
  return s.status === 'ACTIVE' && s.taskState === null;
}

/** Why this server blocks an export now. A server held by another run may be mid-stop or mid-start: that is ours. */
export function serverProblem(s: Server, heldByAnotherRun = false): string | undefined {
  const label = `server ${s.name} (${s.id})`;
  if (heldByAnotherRun) return undefined;
  if (s.taskState !== null) return `${label}: task_state is ${JSON.stringify(s.taskState)}; wait until it is idle`;
  if (!isRunning(s) && !isStopped(s))
    return `${label}: status is ${JSON.stringify(s.status)}; only ACTIVE or SHUTOFF servers can be handled`;
  if (s.locked && isRunning(s)) return `${label}: locked is true; a locked running server cannot be stopped`;
  return undefined;
}

export async function readPlan(
  cloud: CloudApi,
  args: { volumeId: string; stopType?: StopType; deadlines?: Deadlines; strategy?: Strategy; stopServers?: boolean },
  /** Which of these servers another run currently holds (per-server holds, P4). */
  heldServers: (serverIds: string[]) => Promise<Set<string>> = async () => new Set(),
): Promise<PlanReading> {
  let volume;
  try {
    volume = await cloud.evs.getVolume(args.volumeId);
  } catch (err) {
    if (isStatus(err, 404)) throw new UnknownVolumeError(args.volumeId);
    throw err;
  }
  const problems: string[] = [];
  if (!EXPORTABLE.has(volume.status)) {
    problems.push(`volume ${volume.id}: status is ${JSON.stringify(volume.status)}; only "available" or "in-use" disks can be exported`);
  }
  // A shared disk lists one attachment per server; a server may appear twice on some clouds.
  const serverIds = [...new Set(volume.attachments.map((a) => a.serverId))];
  const servers = await Promise.all(serverIds.map((id) => cloud.ecs.getServer(id)));
  const planned: PlannedServer[] = servers.map((s) => ({
    serverId: s.id,
    name: s.name,
    status: s.status,
    taskState: s.taskState,
    locked: s.locked,
    wasRunning: isRunning(s),
  }));
  // A crash-consistent copy touches no server: their states do not matter.
  const held = await heldServers(serverIds);
  for (const s of args.stopServers === false ? [] : servers) {
    const problem = serverProblem(s, held.has(s.id));
    if (problem) problems.push(problem);
  }
  const strategy = args.strategy ?? 'direct';
  const stopServers = args.stopServers ?? true;
  const wasRunning = planned.filter((s) => s.wasRunning).map((s) => s.serverId);
  const downtime = estimateDowntime(volume.size, args.stopType);
  const plan: ExportPlan = {
    volumeId: volume.id,
    volumeName: volume.name,
    volumeStatus: volume.status,
    sizeGb: volume.size,
    multiattach: volume.multiattach,
    bootable: volume.bootable,
    servers: planned,
    toStop: stopServers ? wasRunning : [],
    force: volume.status === 'in-use',
    deadlines: resolveDeadlines(volume.size, args.stopType, args.deadlines),
    strategy,
    stopServers,
    downtime,
    ...osTypeOf(volume.volumeImageMetadata),
    availabilityZone: volume.availabilityZone,
    volumeType: volume.volumeType,
    notes: planNotes(strategy, stopServers, wasRunning.length, downtime),
  };
  const shared = new Set(servers.filter((s) => s.volumesAttached.length > 1).map((s) => s.id));
  return { plan, problems, held, shared };
}

/** The source disk's OS type, carried to an image made from a copy of it. */
function osTypeOf(meta: Record<string, unknown> | null): { osType?: OsType } {
  const t = String(meta?.__os_type ?? '').toLowerCase();
  return (OS_TYPES as readonly string[]).includes(t) ? { osType: t as OsType } : {};
}

function planNotes(strategy: Strategy, stopServers: boolean, running: number, d: { directMs: number; snapshotMs: number }): string[] {
  const notes = [];
  if (running > 0) {
    const per = (ms: number) => `about ${formatDuration(ms)}`;
    notes.push(
      `expected downtime of each running server: direct ${per(d.directMs)}, snapshot ${stopServers ? per(d.snapshotMs) : 'none'}; ` +
        `this run uses ${strategy}`,
    );
  }
  if (!stopServers && running > 0) {
    notes.push('no server is stopped: the image is crash-consistent, as the disk would be after a power cut (unwritten data is missing)');
  }
  if (strategy === 'snapshot') notes.push('creates a snapshot and a temporary disk named after the run, and deletes both when it ends');
  return notes;
}
