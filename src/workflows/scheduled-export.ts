// The workflow a Temporal Schedule (or any parent) runs: a golden-image build. It renders the image name from the
// template and the action's scheduled time, exports through the same per-disk identity as every other start — a
// child `export-<volumeId>` — so a schedule and a person can never export one disk twice at once (P4), tags the
// image with its lineage, and after a success applies retention; after a failure it can pause the schedule.
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, executeChild, patched, workflowInfo } from '@temporalio/workflow';
import {
  type ExportDiskInput,
  type ExportDiskResult,
  exportWorkflowId,
  FailureType,
  lineageTag,
  type RetentionOutcome,
  type ScheduledExportInput,
  type ScheduledExportResult,
  sourceVolumeTag,
} from './api';
import { calls } from './activity-options';
import { exportDiskImage } from './export-disk-image';
import { messageOf } from './failures';
import { renderTemplate, TemplateError, type TemplateValues } from './name-template';

// Runs recorded before lineage tags and retention took the child's start as their first command.
const LINEAGE = 'lineage-tags-and-retention';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const SCHEDULED_BY = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

export async function scheduledExport(input: ScheduledExportInput): Promise<ScheduledExportResult> {
  if (!patched(LINEAGE)) return exportOnce(input, { ...input.export, imageName: render(input.export.imageName, {}) });
  const scheduleId = input.scheduleId ?? workflowInfo().typedSearchAttributes.get(SCHEDULED_BY);
  const { volumeId } = input.export;
  const source = await calls.describeSource({ volumeId });
  const lineage = scheduleId ? [lineageTag.schedule(scheduleId), sourceVolumeTag(volumeId)] : [];
  const tags = [
    ...new Set([
      ...(input.export.tags ?? []),
      ...lineage,
      ...source.serverIds.map(lineageTag.server),
      lineageTag.run(workflowInfo().runId),
      lineageTag.version(),
    ]),
  ];
  const imageName = render(input.export.imageName, { ...source, scheduleId });
  const done = await exportOnce(input, { ...input.export, imageName, tags });
  if (done.skipped || !input.keep || lineage.length === 0) return done;
  return { ...done, retention: await retain(input, lineage, done.result) };
}

/** The action's scheduled time (not when it happened to start: a backfill renders its own past time). */
function scheduledAt(): Date {
  return workflowInfo().typedSearchAttributes.get(SCHEDULED_START) ?? new Date(workflowInfo().startTime);
}

function render(template: string, values: TemplateValues): string {
  try {
    return renderTemplate(template, values, scheduledAt());
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: `imageName template: ${err.message}`, nonRetryable: true });
  }
}

async function exportOnce(input: ScheduledExportInput, args: ExportDiskInput): Promise<ScheduledExportResult & { skipped: boolean }> {
  const workflowId = exportWorkflowId(args.volumeId);
  try {
    const result = await executeChild(exportDiskImage, {
      workflowId,
      args: [args],
      parentClosePolicy: 'REQUEST_CANCEL',
      staticSummary: `Scheduled export of disk ${args.volumeId} → ${args.imageName}`,
    });
    return { skipped: false, result, imageName: args.imageName };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      await pauseAfterFailure(input, messageOf(err));
      throw err;
    }
    if (input.ifRunning === 'skip') return { skipped: true, runningWorkflowId: workflowId };
    throw ApplicationFailure.create({
      type: FailureType.AlreadyRunning,
      message: `an export of disk ${args.volumeId} is already running: workflow ${workflowId}; this scheduled export did not start another`,
      nonRetryable: true,
    });
  }
}

async function pauseAfterFailure(input: ScheduledExportInput, why: string): Promise<void> {
  const scheduleId = input.scheduleId ?? workflowInfo().typedSearchAttributes.get(SCHEDULED_BY);
  if (!input.pauseOnFailure || !scheduleId) return;
  await calls.pauseSchedule({ scheduleId, note: `paused after a failed build (${workflowInfo().workflowId}): ${why}`.slice(0, 500) });
}

/** No retention after a failed build: only a success reaches here. */
async function retain(input: ScheduledExportInput, lineageTags: string[], result: ExportDiskResult): Promise<RetentionOutcome> {
  const r = await calls.applyRetention({ lineageTags, keep: input.keep!, dryRun: input.dryRun, newestImageId: result.imageId });
  const { apiCalls: _calls, ...outcome } = r;
  return outcome;
}
