// One server's hold (P4), as an entity driven by `serverHold` (server-hold.ts): the runs that need the server
// stopped hold it; the first holder's arrival stops it and records whether it was running; the last release
// restarts it — only if it was running, and only once no disk attached to it is `uploading` (P1, P2). A holder
// still waiting for its admission (EVS_EXPORT_ADMISSION) stops nothing and keeps nothing stopped, but holds the
// server like the others once someone else has it stopped. A holder whose run ends without releasing is noticed
// and released. Holders hear from the hold by signal (`serverHeld`,
// `serverReleased`): no one waits inside an activity for another workflow (P9).
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setCurrentDetails,
  type SignalDefinition,
} from '@temporalio/workflow';
import {
  type AcquireRequest,
  FINAL_RELEASE_OUTCOMES,
  type HeldServer,
  heldSignal,
  type HoldStatus,
  type Holder,
  type HoldView,
  type ReleaseRequest,
  type ReleaseResult,
  releasedSignal,
  SA_PHASE,
  SA_SERVER_IDS,
  stoppingSignal,
  type StopType,
} from './api';
import { calls, urgentCalls } from './activity-options';
import { addCounts, type CallCounts, jobFailuresIn, messageOf } from './failures';
import { drivePower } from './power';
import { upsertOwnSearchAttributes } from './visibility';

/** Everything the hold carries across continue-as-new. */
export interface HoldState {
  view: HoldView;
  leaveStopped: boolean;
  livenessCheckMs: number;
  stopType: StopType;
  stopMs: number;
  lastOutcome?: 'restarted' | 'was-stopped' | 'left-stopped';
  restartFailing: boolean;
  /** Holders already told that the server is stopped. */
  told: string[];
  /**
   * Runs that released and have not yet heard a final outcome; `told` is the last thing they heard. A run that
   * released while others still held the server gets that answer (`outcome`), whatever happens next.
   */
  releasers: { holder: Holder; told?: string; outcome?: ReleaseResult }[];
  /** Calls of this session: its stop (told to the holders) and its start (told to the last releaser). */
  calls: { stop: CallCounts; start: CallCounts };
}

const DEFAULT_LIVENESS_MS = 30_000;
const DEFAULT_STOP_MS = 10 * 60_000;
// One restart attempt; after it fails the hold waits a little and tries again, for as long as it takes (P2).
const START_ATTEMPT_MS = 10 * 60_000;
const RESTART_BACKOFF_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

// Holders waiting for their admission: before this patch a hold took every holder as one that stops the server
// (a run of a new build may acquire a hold still on an old one, and that hold's history must replay as it ran).
const WAITING_HOLDERS = 'hold-waiting-holders';
// Telling the holders waiting for their admission that the stop has begun (`serverStopping`): they hold the server
// from now on, and go on at once to stop their other servers rather than when this one is down.
const TELL_STOPPING = 'hold-tells-waiting-holders-it-stops';
// The stop's activities on the urgent task queue, as the restart's: the main queue's dispatch rate is shared with
// every run's plans and polls, and a server stopped late keeps the others of a shared disk down meanwhile.
const STOP_URGENT = 'hold-stops-on-urgent-queue';
// The hold acts (a restart, a stop) in the same workflow task as it tells the runs what they have not heard: before,
// it waited for those signals to be delivered first, which put a workflow task's round trip before every restart.
const ACT_WHILE_TELLING = 'hold-acts-while-telling';
/** A hold whose holders all wait for their admission checks on them this much less often (it costs an activity). */
const WAITING_LIVENESS_FACTOR = 10;

const key = (h: Holder) => `${h.workflowId}/${h.runId}`;

export function initialHoldState(serverId: string): HoldState {
  return {
    view: { serverId, status: 'idle', prior: null, holders: [], attention: [], jobFailures: [], apiCalls: {} },
    leaveStopped: false,
    livenessCheckMs: DEFAULT_LIVENESS_MS,
    stopType: 'SOFT',
    stopMs: DEFAULT_STOP_MS,
    restartFailing: false,
    told: [],
    releasers: [],
    calls: { stop: {}, start: {} },
  };
}

export class ServerHoldEntity {
  /** Bumped by every message, so the main loop wakes up. */
  changes = 0;
  private lastLiveness = Date.now();
  private shownStatus?: HoldStatus;

  constructor(readonly st: HoldState) {}

  get view(): HoldView {
    return this.st.view;
  }

  private get serverId(): string {
    return this.st.view.serverId;
  }

  /** How often to check that the holders still run: seldom while they all wait (nothing is stopped for them). */
  private get livenessMs(): number {
    return this.st.livenessCheckMs * (this.needed ? 1 : WAITING_LIVENESS_FACTOR);
  }

  /** The holders that need the server stopped: not those still waiting for their admission. */
  private get stoppers(): HoldView['holders'] {
    return this.view.holders.filter((h) => !h.waiting);
  }

  private get needed(): boolean {
    return this.stoppers.length > 0;
  }

  // ---- Messages

  acquire(req: AcquireRequest): HoldView {
    const known = this.view.holders.find((x) => key(x) === key(req.holder));
    // A run waiting for its admission joins a server others have stopped (or are stopping) at once.
    const waiting = req.waiting === true && (this.view.status === 'idle' || this.view.status === 'starting') && patched(WAITING_HOLDERS);
    if (!known)
      this.view.holders.push({
        workflowId: req.holder.workflowId,
        runId: req.holder.runId,
        since: new Date().toISOString(),
        ...(waiting ? { waiting } : {}),
      });
    else if (!waiting) delete known.waiting;
    if (req.livenessCheckMs) this.st.livenessCheckMs = Math.min(this.st.livenessCheckMs, req.livenessCheckMs);
    if (req.stopMs) this.st.stopMs = Math.max(this.st.stopMs, req.stopMs);
    if (req.stopType === 'HARD') this.st.stopType = 'HARD';
    this.changed();
    return this.view;
  }

  /** Idempotent: a repeated release (or one from a run the hold no longer knows) is told where the server stands. */
  release(req: ReleaseRequest): void {
    // A signal has no validator: one without a holder (typed by hand in the UI, say) is ignored.
    if (!req?.holder?.workflowId || !req.holder.runId) return;
    // A run still waiting for its admission never had the server stopped: it leaves it as it is, untouched.
    const waiting = this.view.holders.some((x) => key(x) === key(req.holder) && x.waiting);
    if (req.leaveStopped && !waiting) this.st.leaveStopped = true;
    this.view.holders = this.view.holders.filter((x) => key(x) !== key(req.holder));
    this.st.told = this.st.told.filter((k) => k !== key(req.holder));
    if (!this.st.releasers.some((r) => key(r.holder) === key(req.holder))) {
      const now = this.releaseOutcome();
      this.st.releasers.push({
        holder: { workflowId: req.holder.workflowId, runId: req.holder.runId },
        ...(waiting
          ? { outcome: { ...now, outcome: 'was-stopped' as const, apiCalls: {} } }
          : now.outcome === 'held-by-others'
            ? { outcome: now }
            : {}),
      });
    }
    this.changed();
  }

  // ---- The main loop: stop when first held, restart when last released, check holders, tell them.

  /** Runs until nobody holds the server and every releaser knows how it ended; `continueAsNew` when history grows. */
  async run(continueAsNewSuggested: () => boolean, continueAsNew: () => Promise<never>, allHandlersFinished: () => boolean): Promise<void> {
    const alongside = patched(ACT_WHILE_TELLING);
    for (;;) {
      const seen = this.changes;
      // Its state is updated at once; only the signals' delivery is awaited (a failure to deliver is held until then).
      const telling = this.tell().then(
        () => undefined,
        (err: unknown) => ({ err }),
      );
      const told = async () => {
        const failed = await telling;
        if (failed) throw failed.err;
      };
      if (!alongside) await told();
      const held = this.view.holders.length > 0;
      if (this.needed && this.view.status === 'idle') await this.stop(false);
      else if (!this.needed && this.view.status === 'held') await this.start();
      else if (held && Date.now() - this.lastLiveness >= this.livenessMs) await this.releaseVanishedHolders();
      else if (!held && this.view.status === 'idle' && this.st.releasers.length === 0 && allHandlersFinished()) return told();
      else {
        await told();
        if (continueAsNewSuggested() && allHandlersFinished()) await continueAsNew();
        const wait = held ? Math.max(1, this.livenessMs - (Date.now() - this.lastLiveness)) : undefined;
        await condition(() => this.changes !== seen, wait);
      }
      await told();
    }
  }

  private async stop(keepPrior: boolean): Promise<void> {
    const v = this.view;
    v.status = 'stopping';
    v.stopError = undefined;
    // The server stops for every holder: those waiting for their admission hold it like the rest from now on.
    const joined = v.holders.filter((h) => h.waiting);
    for (const h of v.holders) delete h.waiting;
    const told =
      joined.length > 0 && patched(TELL_STOPPING) ? joined.map((h) => this.signal(h, stoppingSignal, { serverId: this.serverId })) : [];
    if (!keepPrior) {
      // A new hold session: what the last one did was already reported to its holders.
      this.st.calls = { stop: {}, start: {} };
      v.jobFailures = [];
      v.apiCalls = {};
    }
    this.details();
    const urgent = patched(STOP_URGENT);
    try {
      if (!keepPrior) {
        // What the server was before anyone touched it decides the restart; read apart from the stop request,
        // whose retry (after a lost response) would find the server already stopping.
        const read = await (urgent ? urgentCalls() : calls).readServer({ serverId: this.serverId });
        this.count('stop', read.apiCalls);
        const stopped = read.server.status === 'SHUTOFF' && read.server.taskState === null;
        v.prior = stopped ? 'stopped' : 'running';
        v.stoppedAt = new Date().toISOString();
        if (stopped) return;
      }
      const out = await drivePower({
        serverId: this.serverId,
        target: 'SHUTOFF',
        stopType: this.st.stopType,
        deadlineMs: this.st.stopMs,
        urgent,
        onCalls: (c) => this.count('stop', c),
      });
      v.jobFailures.push(...out.jobFailures);
      // Re-stopped after a cancelled restart: if no stop had to be asked for, it has been down all along.
      if (!keepPrior || out.requestedAt) v.stoppedAt = out.requestedAt ?? out.reachedAt;
    } catch (err) {
      v.stopError = messageOf(err);
      v.jobFailures.push(...jobFailuresIn(err));
      // Whatever happened, the server may have been running: the last release must make sure it runs again.
      if (!keepPrior) v.prior = 'running';
    } finally {
      v.status = 'held';
      this.details();
    }
    await Promise.all(told);
  }

  private async start(): Promise<void> {
    const v = this.view;
    if (v.prior !== 'running' || this.st.leaveStopped) {
      this.st.lastOutcome = this.st.leaveStopped && v.prior === 'running' ? 'left-stopped' : 'was-stopped';
      this.toIdle();
      return;
    }
    v.status = 'starting';
    this.details();
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await this.restartUnlessHeldAgain();
        v.jobFailures.push(...out.jobFailures);
        v.startedAt = out.reachedAt;
        this.st.lastOutcome = 'restarted';
        this.st.restartFailing = false;
        v.attention = v.attention.filter((a) => !a.startsWith('does not start'));
        this.toIdle();
        return;
      } catch (err) {
        if (!isCancellation(err)) this.restartFailed(err);
      }
      // Someone needs it stopped again meanwhile: it still is (or is stopped again); it was running before, so keep that.
      if (this.needed) return this.stop(true);
      await this.tell();
      await condition(() => this.needed, RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]);
      if (this.needed) return this.stop(true);
    }
  }

  /**
   * One restart: start the server once no disk of it uploads — on the urgent task queue. A holder
   * arriving meanwhile cancels it: the server stays stopped instead of booting and shutting down again (if
   * `os-start` already went out, the stop that follows undoes it).
   */
  private async restartUnlessHeldAgain() {
    const scope = new CancellationScope();
    let settled = false;
    const run = scope
      .run(() =>
        drivePower({
          serverId: this.serverId,
          target: 'ACTIVE',
          deadlineMs: START_ATTEMPT_MS,
          urgent: true,
          onCalls: (c) => this.count('start', c),
        }),
      )
      .finally(() => (settled = true));
    void condition(() => settled || this.needed).then(() => {
      if (!settled) scope.cancel();
    });
    return run;
  }

  private restartFailed(err: unknown): void {
    const v = this.view;
    v.jobFailures.push(...jobFailuresIn(err));
    this.st.restartFailing = true;
    v.attention = [...v.attention.filter((a) => !a.startsWith('does not start')), `does not start: ${messageOf(err)}`];
    this.details();
  }

  private toIdle(): void {
    this.view.status = 'idle';
    this.view.prior = null;
    this.st.leaveStopped = false;
    // Holders that came during the restart (waiting for their admission) keep what they asked for.
    if (this.view.holders.length === 0) {
      this.st.stopType = 'SOFT';
      this.st.stopMs = DEFAULT_STOP_MS;
    }
    this.details();
  }

  private async releaseVanishedHolders(): Promise<void> {
    const { closed } = await calls.closedHolders({ holders: this.view.holders.map(({ workflowId, runId }) => ({ workflowId, runId })) });
    this.lastLiveness = Date.now();
    if (closed.length === 0) return;
    const gone = new Set(closed.map(key));
    for (const h of this.view.holders.filter((x) => gone.has(key(x)))) {
      this.view.attention.push(`released ${h.workflowId} (run ${h.runId}): it ended without releasing`);
    }
    this.view.holders = this.view.holders.filter((x) => !gone.has(key(x)));
    this.st.told = this.st.told.filter((k) => !gone.has(k));
    this.changed();
  }

  // ---- Telling the runs

  /** Signals what each run has not heard yet: its server stopped, or how it stands after its release. */
  private async tell(): Promise<void> {
    const sends: Promise<void>[] = [];
    if (this.view.status === 'held') {
      for (const h of this.view.holders.filter((x) => !this.st.told.includes(key(x)))) {
        this.st.told.push(key(h));
        sends.push(this.signal(h, heldSignal, this.heldServer()));
      }
    }
    const current = this.releaseOutcome();
    for (const r of this.st.releasers) {
      const out = r.outcome ?? current;
      const news = out.outcome === 'restart-failing' ? `${out.outcome}: ${out.lastError}` : out.outcome;
      if (out.outcome === 'restarting' || r.told === news) continue;
      r.told = news;
      sends.push(this.signal(r.holder, releasedSignal, out));
    }
    this.st.releasers = this.st.releasers.filter((r) => !FINAL_RELEASE_OUTCOMES.some((o) => r.told === o));
    await Promise.all(sends);
  }

  private async signal<T>(h: Holder, def: SignalDefinition<[T]>, payload: T): Promise<void> {
    try {
      await getExternalWorkflowHandle(h.workflowId, h.runId).signal(def, payload);
    } catch (err) {
      // The run has ended: there is nobody left to tell.
      if (isCancellation(err)) throw err;
    }
  }

  private heldServer(): HeldServer {
    const v = this.view;
    return {
      serverId: this.serverId,
      stopError: v.stopError,
      wasRunning: v.prior === 'running',
      stoppedAt: v.stoppedAt ?? '',
      jobFailures: v.jobFailures,
      apiCalls: this.st.calls.stop,
    };
  }

  private releaseOutcome(): ReleaseResult {
    const v = this.view;
    // Runs waiting for their admission do not keep the server stopped.
    const others = this.needed;
    const base = {
      serverId: this.serverId,
      heldBy: this.stoppers.map(({ workflowId, runId }) => ({ workflowId, runId })),
      lastError: v.attention.at(-1),
      jobFailures: v.jobFailures,
      apiCalls: others ? {} : this.st.calls.start,
    };
    if (others) return { ...base, outcome: 'held-by-others' };
    if (v.status === 'idle') return { ...base, outcome: this.st.lastOutcome ?? 'restarted', startedAt: v.startedAt };
    return { ...base, outcome: this.st.restartFailing ? 'restart-failing' : 'restarting' };
  }

  private count(kind: 'stop' | 'start', c: CallCounts): void {
    addCounts(this.st.calls[kind], c);
    addCounts(this.view.apiCalls, c);
  }

  private changed(): void {
    this.changes++;
    this.details();
  }

  /** The hold's server and status as search attributes: `EvsServerIds`, and `EvsPhase` idle/stopping/held/starting. */
  private searchable(): void {
    if (this.shownStatus === this.view.status) return;
    this.shownStatus = this.view.status;
    upsertOwnSearchAttributes([
      { key: SA_SERVER_IDS, value: [this.serverId] },
      { key: SA_PHASE, value: this.view.status },
    ]);
  }

  /** Markdown for the Web UI's current details. */
  private details(): void {
    this.searchable();
    const v = this.view;
    setCurrentDetails(
      [
        `**Server:** ${this.serverId}`,
        `**Status:** ${v.status}${v.prior ? ` (was ${v.prior})` : ''}`,
        '',
        '**Holders:**',
        ...v.holders.map((h) => `- ${h.workflowId} since ${h.since}${h.waiting ? ' (waiting for its admission)' : ''}`),
        ...(v.attention.length ? ['', '**Attention:**', ...v.attention.map((a) => `- ${a}`)] : []),
      ].join('\n'),
    );
  }
}
