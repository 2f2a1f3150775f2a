// The workflow a Temporal Schedule (or any parent) runs: it exports through the same per-disk identity as every
// other start — a child `export-<volumeId>` — so a schedule and a person can never export one disk twice at once
// (P4). A schedule's own workflow id carries a timestamp, which is why the export itself is a child.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, executeChild, workflowInfo } from '@temporalio/workflow';
import { type ExportDiskInput, exportWorkflowId, FailureType, type ScheduledExportInput, type ScheduledExportResult } from './api';
import { exportDiskImage } from './export-disk-image';
import { expandImageName } from './image-name';

export async function scheduledExport(input: ScheduledExportInput): Promise<ScheduledExportResult> {
  const at = new Date(workflowInfo().startTime);
  const args: ExportDiskInput = { ...input.export, imageName: expandImageName(input.export.imageName, at) };
  const workflowId = exportWorkflowId(args.volumeId);
  try {
    const result = await executeChild(exportDiskImage, {
      workflowId,
      args: [args],
      parentClosePolicy: 'REQUEST_CANCEL',
      staticSummary: `Scheduled export of disk ${args.volumeId} → ${args.imageName}`,
    });
    return { skipped: false, result };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    if (input.ifRunning === 'skip') return { skipped: true, runningWorkflowId: workflowId };
    throw ApplicationFailure.create({
      type: FailureType.AlreadyRunning,
      message: `an export of disk ${args.volumeId} is already running: workflow ${workflowId}; this scheduled export did not start another`,
      nonRetryable: true,
    });
  }
}
