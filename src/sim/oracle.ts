// The consistency oracle. Event driven, no sampling: it reacts to every state change the model emits.
// P1: while a disk is `uploading`, every server attached to it is SHUTOFF with task_state null — checked at the
// instant the disk enters `uploading` and at every server state change while one of its disks is uploading.
// It also keeps the figures for P2 (servers not restored), P3 (duplicate exports) and P8 (API calls), and lists what
// a run created and left behind: images not active, and snapshots and disks created through the API that still exist.
import { deriveServerStatus, isFullyStopped } from './model/server-status';
import type { ServerRec } from './model/records';
import type { World } from './model/world';
import type { OracleReport, P1Violation, ServerTally, SimEvent } from './types';

const SERVER_CHANGES = new Set(['server.stopping', 'server.stopped', 'server.starting', 'server.started']);

interface Tally {
  stops: number;
  starts: number;
  intervals: { stoppedAt: number; startedAt: number | null }[];
}

export class Oracle {
  private baseline = new Map<string, string>();
  private violations: P1Violation[] = [];
  private tallies = new Map<string, Tally>();
  private calls = new Map<string, number>();

  constructor(private readonly w: World) {
    w.events.on((e) => this.onEvent(e));
  }

  reset(): void {
    this.baseline.clear();
    this.violations = [];
    this.tallies.clear();
    this.calls.clear();
  }

  /** Remembers which servers run now (seeding adds its servers; `rebaseline` re-snapshots all). */
  snapshot(serverIds: Iterable<string> = this.w.servers.keys()): void {
    for (const id of serverIds) {
      const s = this.w.servers.get(id);
      if (s) this.baseline.set(id, deriveServerStatus(s.vmState, s.taskState));
    }
  }

  resetBaseline(): void {
    this.baseline.clear();
    this.snapshot();
  }

  countCall(op: string): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }

  private onEvent(e: SimEvent): void {
    if (e.type === 'volume.uploading') {
      const v = this.w.volumes.get(e.volumeId as string);
      if (v) for (const s of this.w.attachedServers(v)) this.check(s, v.id, e.imageId as string, e);
    } else if (SERVER_CHANGES.has(e.type)) {
      const s = this.w.servers.get(e.serverId as string);
      if (!s) return;
      this.tally(s.id, e);
      for (const v of this.w.volumesOf(s.id)) {
        const exp = v.status === 'uploading' ? this.w.runningExport(v.id) : undefined;
        if (exp) this.check(s, v.id, exp.imageId, e);
      }
    }
  }

  // Each triggering event is seen once, so a violation is recorded once per (export, server, state change).
  private check(s: ServerRec, volumeId: string, imageId: string, e: SimEvent): void {
    if (isFullyStopped(s.vmState, s.taskState)) return;
    const v: P1Violation = {
      volumeId,
      imageId,
      serverId: s.id,
      at: e.at,
      serverStatus: deriveServerStatus(s.vmState, s.taskState),
      taskState: s.taskState,
    };
    this.violations.push(v);
    this.w.events.emit('p1.violation', { ...v, cause: e.type, causeSeq: e.seq });
  }

  private tally(serverId: string, e: SimEvent): void {
    const t = this.tallies.get(serverId) ?? { stops: 0, starts: 0, intervals: [] };
    this.tallies.set(serverId, t);
    const at = Date.parse(e.at);
    if (e.type === 'server.stopping') {
      t.stops++;
      t.intervals.push({ stoppedAt: at, startedAt: null });
    } else if (e.type === 'server.started') {
      t.starts++;
      const open = t.intervals.find((i) => i.startedAt === null);
      if (open) open.startedAt = at;
    }
  }

  report(): OracleReport {
    const w = this.w;
    const now = w.now();
    const imageStatus = (id: string) => w.images.get(id)?.status ?? 'gone';
    const groups = new Map<string, { volumeId: string; imageName: string; imageIds: string[] }>();
    for (const e of w.exports) {
      const key = JSON.stringify([e.volumeId, e.imageName]);
      const g = groups.get(key) ?? { volumeId: e.volumeId, imageName: e.imageName, imageIds: [] };
      g.imageIds.push(e.imageId);
      groups.set(key, g);
    }
    const servers: Record<string, ServerTally> = {};
    for (const id of new Set([...w.servers.keys(), ...this.tallies.keys()])) {
      const t = this.tallies.get(id) ?? { stops: 0, starts: 0, intervals: [] };
      servers[id] = {
        stops: t.stops,
        starts: t.starts,
        // An interval still open counts up to now, so a live reading shows the downtime so far.
        downtimeMs: t.intervals.reduce((sum, i) => sum + ((i.startedAt ?? now) - i.stoppedAt), 0),
        downIntervals: t.intervals.map((i) => ({
          stoppedAt: new Date(i.stoppedAt).toISOString(),
          startedAt: i.startedAt === null ? null : new Date(i.startedAt).toISOString(),
        })),
      };
    }
    const notRestored: OracleReport['serversNotRestored'] = [];
    for (const [id, base] of this.baseline) {
      const s = w.servers.get(id);
      if (base !== 'ACTIVE') continue;
      if (s && s.vmState === 'active' && s.taskState === null) continue;
      const now = s ? deriveServerStatus(s.vmState, s.taskState) + (s.taskState ? ` (${s.taskState})` : '') : 'gone';
      notRestored.push({ serverId: id, name: s?.name ?? '', baseline: 'ACTIVE', now });
    }
    const byOp = Object.fromEntries([...this.calls].sort(([a], [b]) => a.localeCompare(b)));
    return {
      p1Violations: [...this.violations],
      exports: w.exports.map((e) => ({
        volumeId: e.volumeId,
        imageId: e.imageId,
        imageName: e.imageName,
        force: e.force,
        requestedAt: new Date(e.requestedAt).toISOString(),
        uploadEndedAt: e.uploadEndedAt === null ? null : new Date(e.uploadEndedAt).toISOString(),
        imageStatus: imageStatus(e.imageId),
      })),
      duplicateExports: [...groups.values()].filter((g) => g.imageIds.length > 1),
      serversNotRestored: notRestored,
      servers,
      apiCalls: { total: [...this.calls.values()].reduce((a, b) => a + b, 0), byOp },
      // Seeded images are not the run's, whatever their status.
      orphanedImages: [...w.images.values()]
        .filter((i) => i.origin === 'api' && i.status !== 'active')
        .map((i) => ({ imageId: i.id, name: i.name, status: i.status })),
      // Every snapshot is created through the API; disks only when not seeded. `deleting` still counts: not gone yet.
      leftovers: [
        ...[...w.snapshots.values()].map((x) => ({ kind: 'snapshot' as const, id: x.id, name: x.name, status: x.status })),
        ...[...w.volumes.values()]
          .filter((v) => v.origin === 'api')
          .map((v) => ({ kind: 'volume' as const, id: v.id, name: v.name, status: v.status })),
      ],
    };
  }
}
