// `evs-export status`: the phase, servers and outcome of a per-disk or a whole-server export, once or followed.
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import { ExitError, failureText, out, withClient } from './common';
import { awaitAnyRun, runKind } from './follow';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show the phase, servers and outcome of an export')
    .argument('<workflowId>', 'e.g. export-<volumeId>')
    .option('--follow', 'keep printing until the run ends')
    .option('--json', 'machine-readable output')
    .action(async (workflowId: string, o) => {
      await withClient(async (client) => {
        const handle = client.workflow.getHandle(workflowId);
        try {
          if (o.follow) return await awaitAnyRun(handle, o.json);
          await showStatus(handle, o.json);
        } catch (err) {
          throw err instanceof WorkflowNotFoundError ? noWorkflow(workflowId) : err;
        }
      });
    });
}

/** An unknown workflow id; a disk id given where the workflow id was meant is told which id to use. */
export function noWorkflow(workflowId: string, command = 'status'): ExitError {
  const hint = /^export-/.test(workflowId) ? '' : `; for an export of disk ${workflowId} use: evs-export ${command} export-${workflowId}`;
  return new ExitError(`no workflow ${JSON.stringify(workflowId)}${hint}`, 1);
}

/** The run's status and progress, read with the query its workflow type answers; exit 1 if the run failed. */
async function showStatus(handle: WorkflowHandle, json: boolean): Promise<void> {
  const { workflowId } = handle;
  const d = await handle.describe();
  const kind = runKind(d.type);
  const progress = await handle.query(kind.query).catch(() => undefined);
  const lines = progress ? [...kind.changes(undefined, progress), ...kind.details(progress)] : ['(no worker answered the progress query)'];
  out(json, { workflowId, runId: d.runId, status: d.status.name, progress }, [`${workflowId} ${d.status.name}`, ...lines].join('\n'));
  if (d.status.name === 'CANCELLED' && !json) console.log(kind.cancelled(progress));
  if (d.status.name === 'FAILED') {
    await handle.result().catch((err) => console.log(failureText(err)));
    process.exitCode = 1;
  }
}
