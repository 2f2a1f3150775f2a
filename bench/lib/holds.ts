// What the per-server hold workflows (`server-hold-<serverId>`, src/workflows/server-hold.ts) saw: every run of a
// server's hold and the acquire updates and release signals it got, read from their histories; and the periods in
// which at least one export held the server (its "need periods"), to set beside the simulator's stop/start events.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { SimEvent } from '../../src/sim/types';
import { type AcquireRequest, holdWorkflowId, type ReleaseRequest } from '../../src/workflows/api';

export interface HoldUpdate {
  atMs: number;
  kind: 'acquire' | 'release';
  /** `workflowId/runId` of the holding run. */
  holder: string;
}

export interface HoldHistory {
  serverId: string;
  /** Runs of the hold workflow (one per hold session: it ends when nobody holds the server). */
  sessions: number;
  /** Runs still running when read. */
  running: number;
  updates: HoldUpdate[];
}

type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

/** A protobuf Timestamp (seconds may be a Long) in epoch ms. */
export function timestampMs(ts: Timestamp): number {
  if (!ts) return NaN;
  const s = ts.seconds as { toNumber?: () => number } | number | string | undefined;
  const seconds = typeof s === 'object' && s !== null && typeof s.toNumber === 'function' ? s.toNumber() : Number(s ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** Every run of the server's hold workflow and the acquire updates and release signals they got, in time order. */
export async function readHoldHistory(client: Client, serverId: string): Promise<HoldHistory> {
  const workflowId = holdWorkflowId(serverId);
  const runs: { runId: string; running: boolean }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push({ runId: w.runId, running: w.status.name === 'RUNNING' });
  const updates: HoldUpdate[] = [];
  for (const run of runs) {
    const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
    for (const e of history.events ?? []) {
      const update = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      const signal = e.workflowExecutionSignaledEventAttributes;
      const [kind, payload] =
        update?.name === 'acquire' ? (['acquire', update.args?.payloads?.[0]] as const) : signal?.signalName === 'release' ? (['release', signal.input?.payloads?.[0]] as const) : [];
      if (!kind || !payload) continue;
      const arg = defaultPayloadConverter.fromPayload<AcquireRequest | ReleaseRequest>(payload);
      updates.push({ atMs: timestampMs(e.eventTime), kind, holder: `${arg.holder.workflowId}/${arg.holder.runId}` });
    }
  }
  updates.sort((a, b) => a.atMs - b.atMs);
  return { serverId, sessions: runs.length, running: runs.filter((r) => r.running).length, updates };
}

export interface NeedPeriod {
  startMs: number;
  /** Infinity while still held. */
  endMs: number;
  holders: number;
}

/** Maximal periods in which at least one holder held the server (a repeated release of a gone holder changes nothing). */
export function needPeriods(updates: readonly HoldUpdate[]): NeedPeriod[] {
  const periods: NeedPeriod[] = [];
  const holding = new Set<string>();
  let current: NeedPeriod | undefined;
  for (const u of updates) {
    if (u.kind === 'acquire' && !holding.has(u.holder)) {
      if (holding.size === 0) current = { startMs: u.atMs, endMs: Infinity, holders: 0 };
      holding.add(u.holder);
      current!.holders++;
    } else if (u.kind === 'release' && holding.delete(u.holder) && holding.size === 0) {
      current!.endMs = u.atMs;
      periods.push(current!);
      current = undefined;
    }
  }
  if (current) periods.push(current);
  return periods;
}

export interface NeedCheck {
  needPeriods: number;
  /** Stops beyond the first within one need period: the server was stopped again while continuously held. */
  extraStopsWhileHeld: number;
  /**
   * `server.starting` (the cloud got the start) while some run held the server: it was stopped when that run
   * took the hold, is started anyway, and is stopped again for it — stopped twice for one continuous need.
   */
  restartsWhileHeld: number;
  /** `server.stopping` while no run held the server. */
  stopsWhileNotHeld: number;
  /** The moments of the last two, for a report (a restart: how long before it the current holder arrived). */
  restartsWhileHeldAt: string[];
  stopsWhileNotHeldAt: string[];
}

/** Sets the simulator's `server.stopping` / `server.starting` events of one server beside its need periods. */
export function checkAgainstNeed(periods: readonly NeedPeriod[], serverEvents: readonly SimEvent[]): NeedCheck {
  const within = (t: number) => periods.findIndex((p) => p.startMs <= t && t < p.endMs);
  const stopsIn = new Map<number, number>();
  const out: NeedCheck = { needPeriods: periods.length, extraStopsWhileHeld: 0, restartsWhileHeld: 0, stopsWhileNotHeld: 0, restartsWhileHeldAt: [], stopsWhileNotHeldAt: [] };
  for (const e of serverEvents) {
    const t = Date.parse(e.at);
    const i = within(t);
    if (e.type === 'server.stopping') {
      if (i < 0) {
        out.stopsWhileNotHeld++;
        out.stopsWhileNotHeldAt.push(e.at);
      } else stopsIn.set(i, (stopsIn.get(i) ?? 0) + 1);
    } else if (e.type === 'server.starting' && i >= 0) {
      const stoppedAgain = serverEvents.find((x) => x.type === 'server.stopping' && x.seq > e.seq && within(Date.parse(x.at)) === i);
      out.restartsWhileHeld++;
      out.restartsWhileHeldAt.push(`${e.at}, ${Math.round(t - periods[i].startMs)} ms after a run took the hold${stoppedAgain ? `; stopped again for it at ${stoppedAgain.at}` : ''}`);
    }
  }
  for (const n of stopsIn.values()) out.extraStopsWhileHeld += Math.max(0, n - 1);
  return out;
}
