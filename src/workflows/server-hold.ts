// `serverHold` (id `server-hold-<serverId>`): one entity workflow per server, reference-counted by the runs that
// need the server stopped (P4). The logic is ServerHoldEntity (server-hold-entity.ts); this registers its
// messages and drives it. It ends when nobody holds the server; the next acquire (update-with-start) begins anew.
import { allHandlersFinished, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
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
