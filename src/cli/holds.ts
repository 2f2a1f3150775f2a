// `evs-export holds`: who holds a server stopped (its hold workflow, P4), since when, and the server's state.
import type { Command } from 'commander';
import { holdQuery, holdWorkflowId, type HoldView } from '../workflows/api';
import { out, withClient } from './common';

export function registerHoldsCommand(program: Command): void {
  program
    .command('holds')
    .description('show who holds a server stopped, since when, and its state')
    .argument('<serverId>')
    .option('--json', 'machine-readable output')
    .action(async (serverId: string, o) => {
      await withClient(async (client) => {
        // No hold workflow (or none answering): nobody holds the server.
        const view = await client.workflow
          .getHandle(holdWorkflowId(serverId))
          .query(holdQuery)
          .catch(() => undefined);
        if (!view) return out(o.json, { serverId, holders: [] }, `server ${serverId}: not held by any export`);
        out(o.json, view, formatHold(serverId, view));
      });
    });
}

function formatHold(serverId: string, view: HoldView): string {
  return [
    `server ${serverId}: ${view.status}${view.prior ? `, was ${view.prior} before the first holder` : ''}`,
    ...view.holders.map((h) => `  held by ${h.workflowId} (run ${h.runId}) since ${h.since}`),
    ...view.attention.map((a) => `  ATTENTION ${a}`),
  ].join('\n');
}
