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
import { ExitError, failureText, out } from './common';
import { formatResult, formatServerResult, progressChanges, serverProgressChanges } from './format';

/** How the CLI reads one kind of run: the query its progress answers, the lines a change prints, its result. */
export interface RunKind<P, R> {
  query: QueryDefinition<P>;
  // Methods, not function properties: a kind of any P and R is then a RunKind<unknown, unknown>.
  changes(prev: P | undefined, next: P): string[];
  result(r: R): string;
}

export const diskExport: RunKind<ExportProgress, ExportDiskResult> = {
  query: progressQuery,
  changes: progressChanges,
  result: formatResult,
};

export const serverExport: RunKind<ServerExportProgress, ExportServerResult> = {
  query: serverExportProgressQuery,
  changes: serverProgressChanges,
  result: formatServerResult,
};

/** The kind of a workflow type; anything but a whole-server export is read as a per-disk export. */
export function runKind(workflowType: string): RunKind<unknown, unknown> {
  return workflowType === EXPORT_SERVER_WORKFLOW_TYPE ? serverExport : diskExport;
}

function printer<P>(kind: RunKind<P, unknown>, json: boolean): (p: P) => void {
  let prev: P | undefined;
  return (p) => {
    if (json) console.log(JSON.stringify({ progress: p }));
    else for (const line of kind.changes(prev, p)) console.log(line);
    prev = p;
  };
}

/** Prints each progress change until the run ends, then its result; a failed run ends the command with exit 1. */
export async function awaitRun<P, R>(handle: ProgressHandle<P, R>, kind: RunKind<P, R>, json: boolean): Promise<void> {
  try {
    const result = await followProgress(handle, kind.query, printer(kind, json));
    out(json, { result }, kind.result(result));
  } catch (err) {
    if (json) console.log(JSON.stringify({ error: failureText(err) }));
    throw new ExitError(failureText(err), 1);
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
