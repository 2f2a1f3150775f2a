// One world shared by every service (moto's idea): disks link to servers through attachments, an export
// creates an image, stop/start create jobs, snapshots point at their disk. Services read and change it; it never sees HTTP.
import type { SimAccount, SimConfig } from '../types';
import type { Clock } from './clock';
import { Engine } from './engine';
import { EventLog } from './events';
import type { EvsJobRec, ExportRec, ImageRec, JobRec, ServerRec, SnapshotRec, TokenRec, VolumeRec } from './records';
import { Rng } from './rng';

export interface WorldAccount extends SimAccount {
  userId: string;
  domainId: string;
}

export class World {
  readonly volumes = new Map<string, VolumeRec>();
  readonly servers = new Map<string, ServerRec>();
  readonly images = new Map<string, ImageRec>();
  readonly jobs = new Map<string, JobRec>();
  readonly snapshots = new Map<string, SnapshotRec>();
  readonly evsJobs = new Map<string, EvsJobRec>();
  readonly tokens = new Map<string, TokenRec>();
  readonly exports: ExportRec[] = [];
  readonly engine: Engine;
  readonly events: EventLog;

  constructor(
    readonly clock: Clock,
    public rng: Rng,
    public config: SimConfig,
    readonly account: WorldAccount,
  ) {
    this.engine = new Engine(clock);
    this.events = new EventLog(clock);
  }

  now(): number {
    return this.clock.now();
  }

  /** Empties the world and cancels every pending transition (tokens go too: clients re-authenticate). */
  clear(): void {
    this.engine.clear();
    this.events.clear();
    for (const m of [this.volumes, this.servers, this.images, this.jobs, this.snapshots, this.evsJobs, this.tokens]) m.clear();
    this.exports.length = 0;
  }

  attachedServers(v: VolumeRec): ServerRec[] {
    return v.attachments.map((a) => this.servers.get(a.serverId)).filter((s): s is ServerRec => s !== undefined);
  }

  volumesOf(serverId: string): VolumeRec[] {
    return [...this.volumes.values()].filter((v) => v.attachments.some((a) => a.serverId === serverId));
  }

  /** The export whose upload is still running on this disk. */
  runningExport(volumeId: string): ExportRec | undefined {
    return this.exports.find((e) => e.volumeId === volumeId && e.uploadEndedAt === null);
  }

  touchServer(s: ServerRec): void {
    s.updated = this.now();
  }

  touchVolume(v: VolumeRec): void {
    v.updatedAt = this.now();
  }

  snapshotsOf(volumeId: string): SnapshotRec[] {
    return [...this.snapshots.values()].filter((s) => s.volumeId === volumeId);
  }
}
