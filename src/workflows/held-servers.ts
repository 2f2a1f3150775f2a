// A run's side of the per-server holds, shared by exportDiskImage and exportServerDisks: take the holds (the
// servers stop), release them (the last holder's release restarts what was running) and keep the run's
// per-server report up to date. Workflow code: deterministic, activities only through the given proxies.
import type { Activities } from '../activities';
import { type Holder, holdWorkflowId, type JobFailure, type ServerReport, type StopType } from './api';
import type { CallCounts } from './failures';

type Proxy = Pick<Activities, 'holdServers' | 'releaseServers'>;

// Each release call waits this long for the restarts before answering, so progress shows how they go.
const RELEASE_WAIT_MS = 15_000;

export class HeldServers {
  /** Servers this run may hold. Set BEFORE the hold call: a lost response can still have taken the holds. */
  pending: string[] = [];

  constructor(
    private readonly holder: Holder,
    private readonly reports: ServerReport[],
    private readonly calls: { hold: Proxy; release: Proxy },
    private readonly counted: (calls: CallCounts) => void,
    private readonly onJobFailures: (failures: JobFailure[]) => void,
    private readonly changed: () => void,
  ) {}

  private report(id: string): ServerReport {
    return this.reports.find((s) => s.serverId === id)!;
  }

  /** Holds every given server stopped (sorted: holds are always taken in the same order). */
  async hold(serverIds: string[], stopType: StopType, toStop: string[]): Promise<void> {
    const ids = [...serverIds].sort();
    this.pending = ids;
    for (const id of toStop) this.report(id).state = 'stopping';
    this.changed();
    const r = await this.calls.hold.holdServers({ serverIds: ids, holder: this.holder, stopType });
    this.counted(r.apiCalls);
    for (const id of ids) {
      const s = this.report(id);
      const held = r.servers[id];
      this.onJobFailures(held.jobFailures);
      this.counted(held.apiCalls);
      // The hold knows whether the server ran before the first holder (maybe another run) touched it.
      s.wasRunning = held.wasRunning;
      s.state = held.wasRunning ? 'stopped' : 'untouched';
      if (held.wasRunning) s.stoppedAt = held.stoppedAt;
    }
    this.changed();
  }

  /** Releases the holds and follows the restarts until each server runs again or `startMs` has passed. */
  async releaseAll(leaveStopped: boolean | undefined, startMs: number): Promise<void> {
    const giveUpAt = Date.now() + startMs;
    for (const id of this.pending) if (this.report(id).wasRunning) this.report(id).state = 'restarting';
    this.changed();
    while (this.pending.length > 0) {
      const waitMs = Math.max(1000, Math.min(RELEASE_WAIT_MS, giveUpAt - Date.now()));
      const r = await this.calls.release.releaseServers({ serverIds: this.pending, holder: this.holder, leaveStopped, waitMs });
      this.counted(r.apiCalls);
      for (const id of this.pending) this.apply(id, r.servers[id]);
      this.pending = this.pending.filter((id) => ['restarting', 'restart-failing'].includes(r.servers[id].outcome));
      this.changed();
      if (Date.now() >= giveUpAt) return;
    }
  }

  private apply(id: string, out: Awaited<ReturnType<Proxy['releaseServers']>>['servers'][string]): void {
    const s = this.report(id);
    this.onJobFailures(out.jobFailures);
    if (out.outcome !== 'restarting' && out.outcome !== 'restart-failing') this.counted(out.apiCalls);
    switch (out.outcome) {
      case 'restarted':
        s.state = s.wasRunning ? 'restarted' : 'untouched';
        s.startedAt = out.startedAt;
        if (s.stoppedAt && s.startedAt) s.downtimeMs = Date.parse(s.startedAt) - Date.parse(s.stoppedAt);
        delete s.lastError;
        break;
      case 'held-by-others':
        s.state = s.wasRunning ? 'held-by-others' : 'untouched';
        s.heldBy = out.heldBy.map((h) => h.workflowId);
        break;
      case 'left-stopped':
        s.state = 'left-stopped';
        break;
      case 'was-stopped':
        s.state = 'untouched';
        break;
      case 'restart-failing':
        s.state = 'restart-failing';
        s.lastError = out.lastError;
        break;
      case 'restarting':
        break;
    }
  }

  /** Servers that do not start, for the run's "needs attention" list. */
  attention(): string[] {
    return this.reports
      .filter((s) => s.state === 'restart-failing')
      .map((s) => `server ${s.name} (${s.serverId}) does not start: ${s.lastError}; its hold ${holdWorkflowId(s.serverId)} keeps retrying`);
  }

  /** Why the run cannot call its servers restored, or undefined when they are. */
  notRestarted(startMs: number): string | undefined {
    if (this.pending.length === 0) return undefined;
    const names = this.pending.map((id) => `${this.report(id).name} (${id})`).join(', ');
    return `servers not running again within deadlines.startMs = ${startMs} ms: ${names}; their holds keep retrying (query ${this.pending.map(holdWorkflowId).join(', ')})`;
  }
}
