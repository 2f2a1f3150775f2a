// A run's side of the per-server holds, shared by exportDiskImage and exportServerDisks: take the holds and wait
// (a workflow condition, no activity) until each hold signals that its server is stopped; release them by
// signal and wait until each says how its server ended up; keep the run's per-server report up to date.
// Workflow code: deterministic.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  FailureType,
  FINAL_RELEASE_OUTCOMES,
  type HeldServer,
  heldSignal,
  type Holder,
  holdWorkflowId,
  type JobFailure,
  type ReleaseResult,
  releaseSignal,
  releasedSignal,
  type ServerReport,
  stoppingSignal,
  type StopType,
} from './api';
import { calls, summarised } from './activity-options';
import type { CallCounts } from './failures';

export interface HeldServersOptions {
  /** The run's per-server report, updated in place. */
  reports: ServerReport[];
  counted: (calls: CallCounts) => void;
  onJobFailures?: (failures: JobFailure[]) => void;
  changed: () => void;
}

// The holds taken on the urgent task queue; before, on the main one (a run's history must replay as it ran).
const ACQUIRE_URGENT = 'holds-acquired-on-urgent-queue';

const isFinal = (r: ReleaseResult | undefined) => !!r && FINAL_RELEASE_OUTCOMES.includes(r.outcome);

export class HeldServers {
  /** Servers this run may hold. Set BEFORE the acquire: a lost response can still have taken the holds. */
  pending: string[] = [];
  private readonly held = new Map<string, HeldServer>();
  /** Servers another run's stop has begun on while this run waited for its admission: it holds them too. */
  private readonly stopping = new Set<string>();
  private readonly released = new Map<string, ReleaseResult>();

  /** This run: the holds signal it, and know it by its run id too. */
  private readonly holder: Holder = { workflowId: workflowInfo().workflowId, runId: workflowInfo().runId };

  constructor(private readonly o: HeldServersOptions) {}

  private report(id: string): ServerReport {
    return this.o.reports.find((s) => s.serverId === id)!;
  }

  private name(id: string): string {
    return `${this.report(id).name} (${id})`;
  }

  /** The `serverStopping` signal, or an acquire that found the stop begun: this run holds the server from now on. */
  onStopping(serverId: string): void {
    if (this.pending.includes(serverId)) this.stopping.add(serverId);
  }

  /** The `serverHeld` signal: a hold has stopped its server for this run (or could not). */
  onHeld(h: HeldServer): void {
    if (!this.pending.includes(h.serverId) || this.held.has(h.serverId)) return;
    this.held.set(h.serverId, h);
    this.o.onJobFailures?.(h.jobFailures);
    this.o.counted(h.apiCalls);
    const s = this.report(h.serverId);
    // The hold knows whether the server ran before the first holder (maybe another run) touched it.
    s.wasRunning = h.wasRunning;
    s.state = h.wasRunning ? 'stopped' : 'untouched';
    if (h.wasRunning) s.stoppedAt = h.stoppedAt;
    this.o.changed();
  }

  /** The `serverReleased` signal: how a released server stands for this run. */
  onReleased(r: ReleaseResult): void {
    if (!this.pending.includes(r.serverId)) return;
    this.released.set(r.serverId, r);
    this.apply(r.serverId, r);
    this.o.changed();
  }

  /**
   * Holds every given server stopped, waiting up to `stopMs` for all of them. With `admit` (the run's admission,
   * EVS_EXPORT_ADMISSION) the holds first take the run as waiting, and it waits for whichever comes first: its
   * admission; or one of its servers being stopped by another run, which it now holds too — waiting longer would
   * only keep that server down, so it goes on without its admission. Either way it then has the rest stopped (none
   * when other runs stopped them all).
   */
  async hold(serverIds: string[], stopType: StopType, stopMs: number, toStop: string[], admit?: () => Promise<void>): Promise<void> {
    const ids = [...serverIds].sort();
    this.pending = ids;
    for (const id of toStop) this.report(id).state = 'stopping';
    this.o.changed();
    const summary = `hold stopped: ${ids.map((id) => this.report(id).name).join(', ')}`;
    // Taking holds makes no cloud call: on the urgent task queue it does not wait behind the main queue's dispatch
    // rate (every run's plans and polls), which kept the servers a run adds to a shared disk's stop waiting up to 1 s.
    const urgent = patched(ACQUIRE_URGENT);
    const acquire = async (serverIds: string[], waiting: boolean) => {
      const r = await summarised(summary, urgent).acquireHolds({
        serverIds,
        holder: this.holder,
        stopType,
        stopMs,
        ...(waiting ? { waiting } : {}),
        ...(urgent ? { taskQueue: workflowInfo().taskQueue } : {}),
      });
      this.o.counted(r.apiCalls);
      for (const id of r.stopping ?? []) this.onStopping(id);
    };
    const allHeld = () => ids.every((id) => this.held.has(id));
    if (admit) {
      await acquire(ids, true);
      // Joined once another run's stop has begun on one of them: waiting on would only keep that server down longer.
      await this.admittedOrJoined(admit, () => ids.some((id) => this.held.has(id) || this.stopping.has(id)));
      const rest = ids.filter((id) => !this.held.has(id));
      if (rest.length > 0) await acquire(rest, false);
    } else await acquire(ids, false);
    if (!(await condition(allHeld, stopMs))) {
      const late = ids.filter((id) => !this.held.has(id)).map((id) => this.name(id));
      throw ApplicationFailure.create({
        type: FailureType.DeadlineExceeded,
        message: `servers not stopped in time: ${late.join(', ')}`,
        nonRetryable: true,
      });
    }
    const failed = ids.map((id) => this.held.get(id)!).filter((h) => h.stopError);
    if (failed.length > 0) {
      throw ApplicationFailure.create({
        type: FailureType.JobFailed,
        message: failed.map((h) => `server ${this.name(h.serverId)} could not be stopped: ${h.stopError}`).join('; '),
        nonRetryable: true,
        details: [{ jobFailures: failed.flatMap((h) => h.jobFailures) }],
      });
    }
  }

  /** Waits for the admission or for a server held for this run by another's stop, whichever comes first. */
  private async admittedOrJoined(admit: () => Promise<void>, joined: () => boolean): Promise<void> {
    if (joined()) return;
    const scope = new CancellationScope();
    const admitted = scope.run(admit).then(
      () => true,
      (err) => {
        if (isCancellation(err) && joined()) return false;
        throw err;
      },
    );
    const first = await Promise.race([admitted, condition(joined).then(() => false)]);
    if (!first) scope.cancel();
    await admitted;
  }

  /** Releases the holds and follows the restarts until each server's outcome is final or `startMs` has passed. */
  async releaseAll(leaveStopped: boolean | undefined, startMs: number): Promise<void> {
    const ids = [...this.pending];
    for (const id of ids) {
      this.released.delete(id);
      if (this.report(id).wasRunning) this.report(id).state = 'restarting';
    }
    this.o.changed();
    await Promise.all(ids.map((id) => this.signalRelease(id, leaveStopped)));
    await condition(() => ids.every((id) => isFinal(this.released.get(id))), startMs);
    this.pending = this.pending.filter((id) => !isFinal(this.released.get(id)));
    this.o.changed();
  }

  private async signalRelease(serverId: string, leaveStopped: boolean | undefined): Promise<void> {
    try {
      await getExternalWorkflowHandle(holdWorkflowId(serverId)).signal(releaseSignal, { holder: this.holder, leaveStopped });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The hold has ended (nobody holds the server): the cloud tells how it stands.
      const r = await calls.readServer({ serverId });
      const running = r.server.status === 'ACTIVE' && r.server.taskState === null;
      this.onReleased({ serverId, outcome: running ? 'restarted' : 'was-stopped', heldBy: [], jobFailures: [], apiCalls: r.apiCalls });
    }
  }

  private apply(id: string, out: ReleaseResult): void {
    const s = this.report(id);
    this.o.onJobFailures?.(out.jobFailures);
    if (isFinal(out)) this.o.counted(out.apiCalls);
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
    return this.o.reports
      .filter((s) => s.state === 'restart-failing')
      .map((s) => `server ${s.name} (${s.serverId}) does not start: ${s.lastError}; its hold ${holdWorkflowId(s.serverId)} keeps retrying`);
  }

  /** Why the run cannot call its servers restored, or undefined when they are. */
  notRestarted(startMs: number): string | undefined {
    if (this.pending.length === 0) return undefined;
    const names = this.pending.map((id) => this.name(id)).join(', ');
    const holds = this.pending.map(holdWorkflowId).join(', ');
    return `servers not running again within deadlines.startMs = ${startMs} ms: ${names}; their holds keep retrying (query ${holds})`;
  }
}

/** The run's per-server reports before anything is touched. */
type Planned = readonly { serverId: string; name: string; wasRunning: boolean }[];

export function untouchedReports(servers: Planned): ServerReport[] {
  return servers.map(({ serverId, name, wasRunning }) => ({ serverId, name, wasRunning, state: 'untouched' }));
}

/** Before anything is touched (and while awaiting approval) the servers the plan stops say so, with its estimate. */
export function plannedReports(servers: Planned, toStop: readonly string[], estimatedDowntimeMs?: number): ServerReport[] {
  return untouchedReports(servers).map((s) => (toStop.includes(s.serverId) ? { ...s, state: 'will-stop', estimatedDowntimeMs } : s));
}

/** A run that ends before its stops: the servers it meant to stop were never touched. */
export function neverStopped(reports: ServerReport[]): void {
  for (const s of reports) if (s.state === 'will-stop') s.state = 'untouched';
}

/** Registers the signals the holds answer a run with; `holds()` is the run's HeldServers once it has a plan. */
export function handleHoldSignals(holds: () => HeldServers | undefined): void {
  setHandler(heldSignal, (h) => holds()?.onHeld(h), { description: 'From a server hold: the server is stopped for this run.' });
  setHandler(stoppingSignal, (s) => holds()?.onStopping(s?.serverId), {
    description: 'From a server hold: another run has begun stopping the server, and this run, waiting for its admission, holds it too.',
  });
  setHandler(releasedSignal, (r) => holds()?.onReleased(r), {
    description: 'From a server hold: how the server stands after this run released it.',
  });
}
