// One entity workflow per server (id `server-hold-<serverId>`): the runs that need the server stopped hold
// it; the first holder's arrival stops it and records whether it was running; the last release restarts it —
// only if it was running, and only once no disk attached to it is `uploading` (P1, P2, P4). A holder whose run
// ends without releasing is noticed and released, so no server stays down because a run vanished. The
// workflow ends when nobody holds the server; the next acquire (update-with-start) begins a new one.
import {
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  isCancellation,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  type AcquireRequest,
  acquireUpdate,
  awaitStoppedUpdate,
  FailureType,
  type Holder,
  holdQuery,
  type HoldView,
  type ReleaseRequest,
  type ReleaseResult,
  releaseUpdate,
  type StopType,
} from './api';
import { HEARTBEAT_TIMEOUT, jobFailuresIn, messageOf, RETRY } from './failures';

export interface HoldInput {
  serverId: string;
  /** Carried across continue-as-new. */
  state?: HoldState;
}

interface HoldState {
  view: HoldView;
  leaveStopped: boolean;
  livenessCheckMs: number;
  stopType: StopType;
  lastOutcome?: 'restarted' | 'was-stopped' | 'left-stopped';
}

const DEFAULT_LIVENESS_MS = 30_000;
const RESTART_BACKOFF_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

const short = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: RETRY });
const stopping = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: RETRY });
// A start attempt is bounded; the loop below retries it for as long as it takes (P2 never gives up).
const starting = proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: HEARTBEAT_TIMEOUT, retry: { ...RETRY, maximumAttempts: 3 } });

const key = (h: Holder) => `${h.workflowId}/${h.runId}`;

export async function serverHold(input: HoldInput): Promise<void> {
  const st: HoldState = input.state ?? {
    view: { serverId: input.serverId, status: 'idle', prior: null, holders: [], attention: [], jobFailures: [], apiCalls: {} },
    leaveStopped: false,
    livenessCheckMs: DEFAULT_LIVENESS_MS,
    stopType: 'SOFT',
  };
  const view = st.view;
  const serverId = input.serverId;
  let changes = 0;
  const isHolder = (h: Holder) => view.holders.some((x) => key(x) === key(h));
  const details = () => setCurrentDetails(
    [`**Server:** ${serverId}`, `**Status:** ${view.status}${view.prior ? ` (was ${view.prior})` : ''}`, '', '**Holders:**', ...view.holders.map((h) => `- ${h.workflowId} since ${h.since}`), ...(view.attention.length ? ['', '**Attention:**', ...view.attention.map((a) => `- ${a}`)] : [])].join('\n'),
  );

  setHandler(holdQuery, () => view, { description: 'Who holds this server, since when, and its state.' });

  setHandler(
    acquireUpdate,
    (req: AcquireRequest) => {
      if (!isHolder(req.holder)) view.holders.push({ ...req.holder, since: new Date().toISOString() });
      if (req.livenessCheckMs) st.livenessCheckMs = Math.min(st.livenessCheckMs, req.livenessCheckMs);
      if (req.stopType === 'HARD') st.stopType = 'HARD';
      changes++;
      details();
      return view;
    },
    {
      description: 'Hold the server stopped for a run: {"holder": {"workflowId", "runId"}}. Answers at once; `awaitStopped` waits for the stop.',
      validator: (req: AcquireRequest) => {
        if (!req?.holder?.workflowId || !req.holder.runId) throw new Error('holder.workflowId and holder.runId are required');
      },
    },
  );

  setHandler(
    awaitStoppedUpdate,
    async (holder: Holder) => {
      await condition(() => !isHolder(holder) || view.status === 'held');
      if (!isHolder(holder)) throw ApplicationFailure.create({ type: FailureType.CloudRejected, message: `${key(holder)} released server ${serverId} before it stopped`, nonRetryable: true });
      if (view.stopError) throw ApplicationFailure.create({ type: FailureType.JobFailed, message: `server ${serverId} could not be stopped: ${view.stopError}`, nonRetryable: true });
      return { serverId, wasRunning: view.prior === 'running', stoppedAt: view.stoppedAt!, jobFailures: view.jobFailures, apiCalls: stopCalls };
    },
    {
      description: 'Wait until the server is stopped for this holder.',
      validator: (holder: Holder) => {
        if (!isHolder(holder)) throw new Error(`${holder?.workflowId} does not hold server ${serverId}; acquire first`);
      },
    },
  );

  function releaseOutcome(): ReleaseResult {
    const base = { serverId, heldBy: view.holders.map(({ workflowId, runId }) => ({ workflowId, runId })), lastError: view.attention.at(-1), jobFailures: view.jobFailures, apiCalls: view.holders.length > 0 ? {} : startCalls };
    if (view.holders.length > 0) return { ...base, outcome: 'held-by-others' };
    if (view.status === 'idle') return { ...base, outcome: st.lastOutcome ?? 'restarted', startedAt: view.startedAt };
    return { ...base, outcome: restartFailing ? 'restart-failing' : 'restarting' };
  }

  let restartFailing = false;
  // Calls of the current session's stop and of its (last) start, reported to the holders.
  let stopCalls: Record<string, number> = {};
  let startCalls: Record<string, number> = {};
  const count = (into: Record<string, number>, calls: Record<string, number>) => {
    for (const [op, n] of Object.entries(calls)) {
      into[op] = (into[op] ?? 0) + n;
      view.apiCalls[op] = (view.apiCalls[op] ?? 0) + n;
    }
  };
  setHandler(
    releaseUpdate,
    async (req: ReleaseRequest) => {
      if (isHolder(req.holder)) {
        view.holders = view.holders.filter((x) => key(x) !== key(req.holder));
        if (req.leaveStopped) st.leaveStopped = true;
        changes++;
        details();
      }
      // Idempotent: a repeated release reports where the restart stands, waiting up to waitMs for it.
      if (view.holders.length === 0 && view.status !== 'idle' && req.waitMs) {
        await condition(() => view.status === 'idle' || view.holders.length > 0, req.waitMs);
      }
      return releaseOutcome();
    },
    { description: 'Release a hold; the last release restarts the server if it was running. Input: {"holder": {...}, "waitMs": 0}.' },
  );

  async function stop(keepPrior: boolean): Promise<void> {
    view.status = 'stopping';
    view.stopError = undefined;
    if (!keepPrior) {
      // A new hold session: what the last one did was already reported to its holders.
      stopCalls = {};
      view.jobFailures = [];
      view.apiCalls = {};
    }
    details();
    try {
      const read = await short.readServer({ serverId });
      count(stopCalls, read.apiCalls);
      const server = read.server;
      const idleStopped = server.status === 'SHUTOFF' && server.taskState === null;
      if (!keepPrior) view.prior = idleStopped ? 'stopped' : 'running';
      if (idleStopped) view.stoppedAt = new Date().toISOString();
      else {
        const r = await stopping.stopServers({ serverIds: [serverId], stopType: st.stopType });
        count(stopCalls, r.apiCalls);
        view.jobFailures.push(...r.jobFailures);
        view.stoppedAt = r.servers[serverId].requestedAt ?? r.servers[serverId].reachedAt;
      }
    } catch (err) {
      view.stopError = messageOf(err);
      // Whatever happened, the server may have been running: the last release must make sure it runs again.
      if (!keepPrior) view.prior = 'running';
    }
    view.status = 'held';
    details();
  }

  async function start(): Promise<void> {
    if (view.prior !== 'running' || st.leaveStopped) {
      st.lastOutcome = st.leaveStopped && view.prior === 'running' ? 'left-stopped' : 'was-stopped';
      toIdle();
      return;
    }
    view.status = 'starting';
    startCalls = {};
    details();
    for (let attempt = 0; ; attempt++) {
      // A holder arriving while the start is still being prepared cancels it: the server stays stopped instead of
      // booting and shutting down again. (If `os-start` already went out, the stop below undoes it.)
      const scope = new CancellationScope();
      let settled = false;
      const run = scope.run(() => starting.startServersWhenSafe({ serverIds: [serverId] })).finally(() => {
        settled = true;
      });
      void condition(() => settled || view.holders.length > 0).then(() => {
        if (!settled) scope.cancel();
      });
      try {
        const r = await run;
        count(startCalls, r.apiCalls);
        view.jobFailures.push(...r.jobFailures);
        view.startedAt = r.servers[serverId].reachedAt;
        st.lastOutcome = 'restarted';
        restartFailing = false;
        view.attention = view.attention.filter((a) => !a.startsWith('does not start'));
        toIdle();
        return;
      } catch (err) {
        if (isCancellation(err) && view.holders.length > 0) {
          await stop(true);
          return;
        }
        view.jobFailures.push(...jobFailuresIn(err));
        restartFailing = true;
        view.attention = [...view.attention.filter((a) => !a.startsWith('does not start')), `does not start: ${messageOf(err)}`];
        details();
        if (view.holders.length > 0) {
          // Someone needs it stopped again meanwhile: it still is; it was running before, so keep that.
          await stop(true);
          return;
        }
        await sleep(RESTART_BACKOFF_MS[Math.min(attempt, RESTART_BACKOFF_MS.length - 1)]);
      }
    }
  }

  function toIdle(): void {
    view.status = 'idle';
    view.prior = null;
    st.leaveStopped = false;
    st.stopType = 'SOFT';
    details();
  }

  async function releaseVanishedHolders(): Promise<void> {
    const { closed } = await short.closedHolders({ holders: view.holders.map(({ workflowId, runId }) => ({ workflowId, runId })) });
    if (closed.length === 0) return;
    const gone = new Set(closed.map(key));
    for (const h of view.holders.filter((x) => gone.has(key(x)))) {
      view.attention.push(`released ${h.workflowId} (run ${h.runId}): it ended without releasing`);
    }
    view.holders = view.holders.filter((x) => !gone.has(key(x)));
    details();
  }

  let lastLiveness = Date.now();
  for (;;) {
    const seen = changes;
    if (view.holders.length > 0 && view.status === 'idle') await stop(false);
    else if (view.holders.length === 0 && view.status === 'held') await start();
    else if (view.holders.length > 0 && Date.now() - lastLiveness >= st.livenessCheckMs) {
      await releaseVanishedHolders();
      lastLiveness = Date.now();
    } else if (view.holders.length === 0 && view.status === 'idle') {
      await condition(allHandlersFinished);
      if (view.holders.length === 0) return;
    } else {
      if (workflowInfo().continueAsNewSuggested && allHandlersFinished()) {
        await continueAsNew<typeof serverHold>({ serverId, state: st });
      }
      const wait = view.holders.length > 0 ? Math.max(1, st.livenessCheckMs - (Date.now() - lastLiveness)) : undefined;
      await condition(() => changes !== seen, wait);
    }
  }
}
