// Following a run to its end (`export --wait`, `status --follow`, `abort --wait`) and reading its progress: a
// per-disk export and a whole-server export answer different progress queries and return different results.
import type { WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import { followProgress, type ProgressHandle } from '../export-client';
import {
  EXPORT_SERVER_WORKFLOW_TYPE,
  EXPORT_WORKFLOW_TYPE,
  type ExportDiskResult,
  type ExportProgress,
  type ExportServerResult,
  progressQuery,
  serverExportProgressQuery,
  type ServerExportProgress,
} from '../workflows/api';
import { cancelledText, serverExportCancelledText } from './cancelled';
import { ExitError, failureText, isCancelled, out } from './common';
import { formatPlan, formatResult, formatServerResult, progressChanges, serverProgressChanges } from './format';

/** How the CLI reads one kind of run: the query its progress answers, the lines a change prints, its result. */
export interface RunKind<P, R> {
  query: QueryDefinition<P>;
  // Methods, not function properties: a kind of any P and R is then a RunKind<unknown, unknown>.
  changes(prev: P | undefined, next: P): string[];
  result(r: R): string;
  /** One line for a run that ended cancelled, from its last progress. */
  cancelled(last: P | undefined): string;
  /** What `status` adds to the run as it stands (the plan, while it awaits approval). */
  details(p: P): string[];
}

export const diskExport: RunKind<ExportProgress, ExportDiskResult> = {
  query: progressQuery,
  changes: progressChanges,
  result: formatResult,
  cancelled: cancelledText,
  details: (p) => (p.phase === 'awaiting-approval' && p.plan ? ['plan:', formatPlan(p.plan)] : []),
};

export const serverExport: RunKind<ServerExportProgress, ExportServerResult> = {
  query: serverExportProgressQuery,
  changes: serverProgressChanges,
  result: formatServerResult,
  cancelled: serverExportCancelledText,
  details: () => [],
};

/** The kind of a workflow type; anything but a whole-server export is read as a per-disk export. */
export function runKind(workflowType: string): RunKind<unknown, unknown> {
  return workflowType === EXPORT_SERVER_WORKFLOW_TYPE ? serverExport : diskExport;
}

/** A followed run ended cancelled: exit 1 for `export --wait`, what was asked for by `abort --wait`. */
export class RunCancelled extends ExitError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** Prints each progress change until the run ends, then its result; a failed run ends the command with exit 1. */
export async function awaitRun<P, R>(handle: ProgressHandle<P, R>, kind: RunKind<P, R>, json: boolean): Promise<void> {
  let last: P | undefined;
  const print = (p: P) => {
    if (json) console.log(JSON.stringify({ progress: p }));
    else for (const line of kind.changes(last, p)) console.log(line);
    last = p;
  };
  try {
    const result = await followProgress(handle, kind.query, print);
    out(json, { result }, kind.result(result));
  } catch (err) {
    const text = isCancelled(err) ? kind.cancelled(last) : failureText(err);
    if (json) console.log(JSON.stringify({ error: text }));
    throw isCancelled(err) ? new RunCancelled(text) : new ExitError(text, 1);
  }
}

/** awaitRun for a run of either kind, told by its workflow type. */
export async function awaitAnyRun(handle: WorkflowHandle, json: boolean): Promise<void> {
  // A run that cannot be described is followed as a per-disk export: its result then reports why, as before.
  const type = await handle.describe().then(
    (d) => d.type,
    () => EXPORT_WORKFLOW_TYPE,
  );
  await awaitRun(handle, runKind(type), json);
}
