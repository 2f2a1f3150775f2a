// Starting and following exports from a Temporal client: the CLI, the demo, tests and parent code use this,
// so every start goes through the same validation and the same per-disk workflow id (P4, P5).
import type { QueryDefinition } from '@temporalio/common';
import {
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import type { exportDiskImage } from './workflows';
import {
  type ExportDiskInput,
  EXPORT_WORKFLOW_TYPE,
  type ExportDiskResult,
  type ExportProgress,
  exportWorkflowId,
  progressQuery,
  SA_VOLUME_ID,
} from './workflows/api';
import { validateExportInput } from './workflows/validate';

export type ExportHandle = WorkflowHandle<typeof exportDiskImage>;

export class ExportAlreadyRunningError extends Error {
  override name = 'ExportAlreadyRunningError';
  constructor(
    readonly volumeId: string,
    readonly workflowId: string,
    readonly runId?: string,
  ) {
    super(
      `an export of disk ${volumeId} is already running: workflow ${workflowId}${runId ? ` (run ${runId})` : ''}; ` +
        `follow it with \`evs-export status ${workflowId}\` or cancel it with \`evs-export abort ${workflowId}\``,
    );
  }
}

export interface StartExportOptions {
  /** When an export of the disk is already running, follow that one instead of refusing (whatever its image name). */
  attach?: boolean;
}

/**
 * Validates (throws InputError naming field and value) and starts `export-<volumeId>`. A second start for a disk
 * whose export is running is refused with ExportAlreadyRunningError naming the running workflow — or, with
 * `attach`, returns a handle to the running one.
 */
export async function startExport(
  client: Client,
  taskQueue: string,
  raw: unknown,
  opts: StartExportOptions = {},
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof exportDiskImage>> {
  const input: ExportDiskInput = validateExportInput(raw);
  const workflowId = exportWorkflowId(input.volumeId);
  try {
    return await client.workflow.start<typeof exportDiskImage>(EXPORT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: opts.attach ? 'USE_EXISTING' : 'FAIL',
      typedSearchAttributes: [{ key: SA_VOLUME_ID, value: input.volumeId }],
      staticSummary: `Export disk ${input.volumeId} → image ${input.imageName}`,
      staticDetails: `Started with input:\n\`\`\`json\n${JSON.stringify(input, null, 2)}\n\`\`\``,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      throw new ExportAlreadyRunningError(input.volumeId, workflowId, running?.runId);
    }
    throw err;
  }
}

/** Polls the `progress` query until the run ends, calling `onProgress` on every change; returns the result. */
export function followExport(handle: ExportHandle, onProgress: (p: ExportProgress) => void, intervalMs = 500): Promise<ExportDiskResult> {
  return followProgress(handle, progressQuery, onProgress, intervalMs);
}

/** What `followProgress` needs of a workflow handle: its result and a progress query. */
export interface ProgressHandle<P, R> {
  result(): Promise<R>;
  query(def: QueryDefinition<P>): Promise<P>;
}

/** Polls a run's progress query until the run ends, calling `onProgress` on every change; returns the result. */
export async function followProgress<P, R>(
  handle: ProgressHandle<P, R>,
  query: QueryDefinition<P>,
  onProgress: (p: P) => void,
  intervalMs = 500,
): Promise<R> {
  let settled = false;
  const result = handle.result().finally(() => {
    settled = true;
  });
  result.catch(() => undefined);
  let last = '';
  const report = async () => {
    try {
      const p = await handle.query(query);
      const key = JSON.stringify({ ...p, updatedAt: undefined });
      if (key !== last) {
        last = key;
        onProgress(p);
      }
    } catch {
      // No worker answering yet, or the run just closed; the result tells the rest.
    }
  };
  while (!settled) {
    await report();
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  await report();
  return result;
}
