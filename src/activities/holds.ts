// The Temporal-client side of the per-server holds (P4): taking `serverHold` holds (update-with-start, as
// Temporal's mutex sample does with signal-with-start), and what the holds and plans ask about other runs.
// Releasing needs no client: the holder's workflow signals its holds directly.
import { activityInfo } from '@temporalio/activity';
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  acquireUpdate,
  FailureType,
  HOLD_WORKFLOW_TYPE,
  type Holder,
  type HoldView,
  holdWorkflowId,
  SA_PHASE,
  SA_SERVER_IDS,
  type StopType,
} from '../workflows/api';

export interface HoldDeps {
  client: Client;
  /** How often a hold checks that its holders still run. */
  livenessCheckMs?: number;
}

/** What a run asks of its holds; `waiting`: it waits for its admission, and they stop nothing for it yet. */
export interface AcquireArgs {
  serverIds: string[];
  holder: Holder;
  stopType?: StopType;
  stopMs?: number;
  waiting?: boolean;
  /** The holds' task queue, the run's own: given when this runs on another (the urgent one). */
  taskQueue?: string;
}

/**
 * Takes the holds (update-with-start), side by side: each `acquire` answers as soon as the hold has recorded the
 * holder, and the hold signals the holder when the server is stopped (`serverHeld`), so nothing here waits for a
 * stop — an activity that did would hold a worker slot the stop itself needs (P9) — and no order is needed
 * between holds. Returns the servers whose hold took a run that asked to wait as a holder like the rest: their
 * stop has begun.
 */
export async function acquireHolds(deps: HoldDeps, args: AcquireArgs): Promise<{ stopping: string[] }> {
  const taskQueue = args.taskQueue ?? activityInfo().taskQueue;
  const views = await Promise.all(
    [...args.serverIds].sort().map(async (serverId) => ({
      serverId,
      view: await deps.client.workflow.executeUpdateWithStart(acquireUpdate, {
        args: [
          {
            holder: args.holder,
            stopType: args.stopType,
            stopMs: args.stopMs,
            livenessCheckMs: deps.livenessCheckMs,
            ...(args.waiting ? { waiting: true } : {}),
          },
        ],
        startWorkflowOperation: new WithStartWorkflowOperation(HOLD_WORKFLOW_TYPE, {
          workflowId: holdWorkflowId(serverId),
          taskQueue,
          args: [{ serverId }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Hold of server ${serverId}`,
          typedSearchAttributes: [{ key: SA_SERVER_IDS, value: [serverId] }],
        }),
      }),
    })),
  );
  const me = (v: HoldView) => v.holders.find((h) => h.workflowId === args.holder.workflowId && h.runId === args.holder.runId);
  // Asked to wait, taken as a holder like the rest: the hold is stopping or has stopped its server for others.
  const stopping = views.filter(({ view }) => {
    const m = me(view);
    return args.waiting && m && !m.waiting && (view.status === 'stopping' || view.status === 'held');
  });
  return { stopping: stopping.map((x) => x.serverId) };
}

/** The holders whose runs are no longer running (ended without releasing, terminated, timed out). */
export async function closedHolders(deps: HoldDeps, holders: Holder[]): Promise<Holder[]> {
  const closed: Holder[] = [];
  for (const h of holders) {
    try {
      const d = await deps.client.workflow.getHandle(h.workflowId, h.runId).describe();
      if (d.status.name !== 'RUNNING') closed.push(h);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) closed.push(h);
      else throw err;
    }
  }
  return closed;
}

export function holdsUnavailable(): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.WorkerMisconfigured,
    message: 'this worker was built without a Temporal client, so it cannot take server holds: pass `client` to createActivities',
    nonRetryable: true,
  });
}

/**
 * Which of these servers have a running hold workflow that has stopped (or is stopping, or restarting) its server:
 * held by some run right now. A hold still idle has stopped nothing: its holders all wait for their admission.
 */
export async function runningHolds(client: Client | undefined, serverIds: string[]): Promise<Set<string>> {
  if (!client) return new Set();
  const held = await Promise.all(
    serverIds.map(async (id) => {
      try {
        const d = await client.workflow.getHandle(holdWorkflowId(id)).describe();
        return d.status.name === 'RUNNING' && d.typedSearchAttributes.get(SA_PHASE) !== 'idle' ? id : undefined;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    }),
  );
  return new Set(held.filter((x): x is string => !!x));
}
