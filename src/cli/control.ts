// `evs-export approve` and `abort`: the two ways an operator steers a running export.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { approveUpdate } from '../workflows/api';
import { ExitError, withClient } from './common';
import { awaitAnyRun, RunCancelled } from './follow';
import { noWorkflow } from './status';

export function registerControlCommands(program: Command): void {
  program
    .command('approve')
    .description('approve the plan of an export started with --require-approval')
    .argument('<workflowId>')
    .option('--by <name>', 'who approves', process.env.USER)
    .action(async (workflowId: string, o) => {
      await withClient(async (client) => {
        try {
          await client.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [{ by: o.by }] });
        } catch (err) {
          // The validator's own words ("nothing to approve: the export is in phase uploading"), not the SDK's.
          if (err instanceof WorkflowUpdateFailedError && err.cause) throw new ExitError(`${workflowId}: ${err.cause.message}`, 1);
          if (err instanceof WorkflowNotFoundError) throw noWorkflow(workflowId, 'approve');
          throw err;
        }
        console.log(`approved ${workflowId}${o.by ? ` (by ${o.by})` : ''}`);
      });
    });

  program
    .command('abort')
    .description('cancel an export: servers it stopped are restarted once the disk has left "uploading"')
    .argument('<workflowId>')
    .option('--wait', 'follow the compensation until the run ends')
    .action(async (workflowId: string, o) => {
      await withClient(async (client) => {
        const handle = client.workflow.getHandle(workflowId);
        await handle.cancel().catch((err: unknown) => {
          throw err instanceof WorkflowNotFoundError ? noWorkflow(workflowId, 'abort') : err;
        });
        console.log(`cancel requested for ${workflowId}`);
        // The run ending cancelled is what was asked for: what it put right is printed, the exit code stays 0. A
        // run that failed otherwise still exits 1.
        if (o.wait)
          await awaitAnyRun(handle, false).catch((err: unknown) => {
            if (!(err instanceof RunCancelled)) throw err;
            console.log(err.message);
          });
      });
    });
}
