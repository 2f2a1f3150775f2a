// `serverHold` (id `server-hold-<serverId>`): one entity workflow per server, reference-counted by the runs that
// need the server stopped (P4). The logic is ServerHoldEntity (server-hold-entity.ts); this registers its
// messages and drives it. It ends when nobody holds the server; the next acquire (update-with-start) begins anew.
import { allHandlersFinished, continueAsNew, setHandler, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import { type AcquireRequest, acquireUpdate, holdQuery, type ReleaseRequest, releaseSignal } from './api';
import { type HoldState, initialHoldState, ServerHoldEntity } from './server-hold-entity';

export interface HoldInput {
  serverId: string;
  /** Carried across continue-as-new. */
  state?: HoldState;
}

export async function serverHold(input: HoldInput): Promise<void> {
  const hold = new ServerHoldEntity(input.state ?? initialHoldState(input.serverId));

  setHandler(holdQuery, () => hold.view, { description: 'Who holds this server, since when, and its state.' });
  setHandler(acquireUpdate, (req: AcquireRequest) => hold.acquire(req), {
    description:
      'Hold the server stopped for a run: {"holder": {"workflowId", "runId"}}. ' +
      'Answers at once; the hold signals `serverHeld` to the run once the server is stopped.',
    validator: (req: AcquireRequest) => {
      if (!req?.holder?.workflowId || !req.holder.runId) throw new Error('holder.workflowId and holder.runId are required');
    },
  });
  setHandler(releaseSignal, (req: ReleaseRequest) => hold.release(req), {
    description:
      'Release a hold: {"holder": {"workflowId", "runId"}}. ' +
      'The last release restarts the server if it was running; the run hears how it ends (`serverReleased`).',
  });

  await hold.run(
    () => workflowInfo().continueAsNewSuggested,
    () => continueAsNew<typeof serverHold>({ serverId: input.serverId, state: hold.st }),
    allHandlersFinished,
  );
}

// Worker Versioning (docs/upgrades.md): exports are PINNED, the hold is AUTO_UPGRADE. A hold lives as long as any run
// holds its server, and continues as new while it does; pinned, it would stay on the build that started it — a
// pinned run's continue-as-new inherits its version — so that build's workers could never be drained while runs
// of later builds keep the server held. AUTO_UPGRADE moves it to the current version at its next task (and a new
// run after continue-as-new starts there), so its code must replay the histories of earlier releases: changes
// go behind `patched()`, as they always have. Only a versioned worker may send a behaviour (SDK 1.24 sends it as
// is and the server refuses it from an unversioned worker), hence the getter: it sees the version of the run's
// first task, which has no deployment name on an unversioned worker — then the worker's default applies (none;
// PINNED for a hold begun before versioning was turned on, until that run ends).
setWorkflowOptions(
  () => ({ versioningBehavior: workflowInfo().currentDeploymentVersion?.deploymentName ? 'AUTO_UPGRADE' : undefined }),
  serverHold,
);
