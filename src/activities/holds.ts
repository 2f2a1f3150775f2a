// The export's side of the per-server holds (P4): acquiring and releasing `serverHold` entity workflows through
// the Temporal client (update-with-start, as Temporal's mutex sample does with signal-with-start), plus the
// activities the hold workflow itself runs.
import { activityInfo } from '@temporalio/activity';
import { type Client, WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CloudApi } from '../cloud/types';
import {
  acquireUpdate,
  awaitStoppedUpdate,
  FailureType,
  type HeldServer,
  HOLD_WORKFLOW_TYPE,
  type Holder,
  holdWorkflowId,
  type ReleaseResult,
  releaseUpdate,
  type StopType,
} from '../workflows/api';
import { toFailure } from './failures';

export interface HoldDeps {
  client: Client;
  /** How often a hold checks that its holders still run. */
  livenessCheckMs?: number;
}

/** Takes the holds in a fixed order (sorted ids), then waits for every server to be stopped, in parallel. */
export async function holdServers(
  deps: HoldDeps,
  args: { serverIds: string[]; holder: Holder; stopType?: StopType },
): Promise<Record<string, HeldServer>> {
  const ids = [...args.serverIds].sort();
  const taskQueue = activityInfo().taskQueue;
  for (const serverId of ids) {
    await deps.client.workflow.executeUpdateWithStart(acquireUpdate, {
      args: [{ holder: args.holder, stopType: args.stopType, livenessCheckMs: deps.livenessCheckMs }],
      startWorkflowOperation: new WithStartWorkflowOperation(HOLD_WORKFLOW_TYPE, {
        workflowId: holdWorkflowId(serverId),
        taskQueue,
        args: [{ serverId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `Hold of server ${serverId}`,
      }),
    });
  }
  const held = await Promise.all(
    ids.map((serverId) => deps.client.workflow.getHandle(holdWorkflowId(serverId)).executeUpdate(awaitStoppedUpdate, { args: [args.holder] })),
  );
  return Object.fromEntries(held.map((h) => [h.serverId, h]));
}

/**
 * Releases the holds; each answer says whether the server runs again (waiting up to `waitMs` for it), is still
 * held by another run, or was left stopped. Repeating a release is harmless: it reports where things stand.
 */
export async function releaseServers(
  deps: HoldDeps,
  cloud: CloudApi,
  args: { serverIds: string[]; holder: Holder; leaveStopped?: boolean; waitMs?: number },
): Promise<Record<string, ReleaseResult>> {
  const results = await Promise.all(
    args.serverIds.map(async (serverId): Promise<ReleaseResult> => {
      try {
        return await deps.client.workflow
          .getHandle(holdWorkflowId(serverId))
          .executeUpdate(releaseUpdate, { args: [{ holder: args.holder, leaveStopped: args.leaveStopped, waitMs: args.waitMs }] });
      } catch (err) {
        if (!isClosed(err)) throw err;
        // The hold already ended (nobody holds the server): the cloud tells how it stands.
        const s = await cloud.ecs.getServer(serverId).catch((e: unknown) => {
          throw toFailure(e, `read server ${serverId}`);
        });
        const running = s.status === 'ACTIVE' && s.taskState === null;
        return { serverId, outcome: running ? 'restarted' : 'was-stopped', heldBy: [], jobFailures: [], apiCalls: {} };
      }
    }),
  );
  return Object.fromEntries(results.map((r) => [r.serverId, r]));
}

function isClosed(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const text = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : '';
  return /not found|workflow execution already completed|already completed/i.test(text);
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

/** True when a disk attached to the server is `uploading`: it may not run again yet (P1). */
export async function attachedDiskUploading(cloud: CloudApi, serverId: string): Promise<boolean> {
  const server = await cloud.ecs.getServer(serverId);
  const volumes = await Promise.all(server.volumesAttached.map((v) => cloud.evs.getVolume(v.id)));
  return volumes.some((v) => v.status === 'uploading');
}

export function holdsUnavailable(): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.CloudRejected,
    message: 'this worker was built without a Temporal client, so it cannot take server holds',
    nonRetryable: true,
  });
}

/** Which of these servers have a running hold workflow (held by some run right now). */
export async function runningHolds(client: Client | undefined, serverIds: string[]): Promise<Set<string>> {
  if (!client) return new Set();
  const held = await Promise.all(
    serverIds.map(async (id) => {
      try {
        const d = await client.workflow.getHandle(holdWorkflowId(id)).describe();
        return d.status.name === 'RUNNING' ? id : undefined;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    }),
  );
  return new Set(held.filter((x): x is string => !!x));
}
