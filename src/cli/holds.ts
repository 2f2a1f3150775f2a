// `evs-export holds [serverId]`: who holds a server stopped (its hold workflow, P4), since when, and the server's
// state — for one server, or every running hold on this task queue. Servers are named next to their ids: from
// the cloud when the CLI has settings, else from a holder's own progress.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import type { Command } from 'commander';
import { isStatus } from '../cloud';
import {
  HOLD_WORKFLOW_TYPE,
  holdQuery,
  holdWorkflowId,
  type HoldView,
  isServerExportWorkflowId,
  type ServerReport,
} from '../workflows/api';
import { serverExists, serverNamesFromCloud, unknownIdText, withOptionalCloud } from './cloud';
import { ExitError, out, withClient } from './common';
import { diskExport, serverExport } from './follow';

/** A hold whose worker does not answer must not hang the command. */
const QUERY_MS = 10_000;

type NamedHold = HoldView & { name?: string };

export function registerHoldsCommand(program: Command): void {
  program
    .command('holds')
    .description('who holds servers stopped, since when, and their state: one server, or every held server')
    .argument('[serverId]', 'one server; without it, every running hold on the task queue')
    .option('--json', 'machine-readable output')
    .action(async (serverId: string | undefined, o: { json?: boolean }) => {
      await withClient((client, t) => (serverId ? showHold(client, serverId, !!o.json) : listHolds(client, t.taskQueue, !!o.json)));
    });
}

async function showHold(client: Client, serverId: string, json: boolean): Promise<void> {
  const view = await readHold(client, holdWorkflowId(serverId));
  if (view) {
    const [named] = await withNames(client, [view]);
    return out(json, named, formatHold(named));
  }
  // Nobody holds it: but is it a server at all?
  const server = await withOptionalCloud((cloud) => cloud.ecs.getServer(serverId)).catch((err: unknown) => {
    if (isStatus(err, 404)) {
      const text = unknownIdText({ ...serverExists(serverId), flag: 'holds' });
      throw new ExitError(`${text}; \`evs-export holds\` without an id lists every held server`, 2);
    }
    return undefined;
  });
  const name = server ? `${server.name} (${serverId})` : serverId;
  out(json, { serverId, name: server?.name, holders: [] }, `server ${name}: not held by any export`);
}

async function listHolds(client: Client, taskQueue: string, json: boolean): Promise<void> {
  const query = `WorkflowType = '${HOLD_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
  const views = (await Promise.all(ids.sort().map((id) => readHold(client, id)))).filter((v): v is HoldView => !!v);
  const named = await withNames(client, views);
  out(json, named, named.map(formatHold).join('\n') || `no server is held by any export (task queue ${taskQueue})`);
}

/** The hold's view, or undefined when no hold runs for it (a finished hold holds nothing). */
async function readHold(client: Client, workflowId: string): Promise<HoldView | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    if ((await handle.describe()).status.name !== 'RUNNING') return undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  return client.withDeadline(Date.now() + QUERY_MS, () => handle.query(holdQuery)).catch(() => undefined);
}

async function withNames(client: Client, views: HoldView[]): Promise<NamedHold[]> {
  const names = views.length ? await serverNamesFromCloud() : new Map<string, string>();
  return Promise.all(views.map(async (v) => ({ ...v, name: names.get(v.serverId) ?? (await nameFromHolder(client, v)) })));
}

/** The server's name as the first holder's run knows it (each run reports its servers by name). */
async function nameFromHolder(client: Client, view: HoldView): Promise<string | undefined> {
  const holder = view.holders[0];
  if (!holder) return undefined;
  const handle = client.workflow.getHandle(holder.workflowId, holder.runId);
  // Both kinds of run report their servers the same way.
  const query: QueryDefinition<{ servers: ServerReport[] }> = isServerExportWorkflowId(holder.workflowId)
    ? serverExport.query
    : diskExport.query;
  const progress = await client.withDeadline(Date.now() + QUERY_MS, () => handle.query(query)).catch(() => undefined);
  return progress?.servers.find((s) => s.serverId === view.serverId)?.name;
}

function formatHold(view: NamedHold): string {
  const server = view.name ? `${view.name} (${view.serverId})` : view.serverId;
  return [
    `server ${server}: ${view.status}${view.prior ? `, was ${view.prior} before the first holder` : ''}`,
    ...view.holders.map((h) =>
      h.waiting
        ? `  waited on by ${h.workflowId} (run ${h.runId}) since ${h.since}: it waits for its admission, or for another run to stop the server`
        : `  held by ${h.workflowId} (run ${h.runId}) since ${h.since}`,
    ),
    ...view.attention.map((a) => `  ATTENTION ${a}`),
  ].join('\n');
}
