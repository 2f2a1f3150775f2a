// The workflow a Temporal Schedule (or any parent) runs: a golden-image build. It renders the image name from the
// template and the action's scheduled time, exports through the same per-disk identity as every other start — a
// child `export-<volumeId>` — so a schedule and a person can never export one disk twice at once (P4), tags the
// image with its lineage, and after a success applies retention; after a failure it can pause the schedule.
import { defineSearchAttributeKey, SearchAttributeType, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, executeChild, patched, workflowInfo } from '@temporalio/workflow';
import {
  type ExportDiskInput,
  type ExportDiskResult,
  type ExportServerInput,
  type ExportServerResult,
  exportServerWorkflowId,
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
import { exportServerDisks } from './export-server-disks';
import { messageOf } from './failures';
import { renderTemplate, TemplateError, type TemplateValues } from './name-template';

// Runs recorded before lineage tags and retention took the child's start as their first command.
const LINEAGE = 'lineage-tags-and-retention';

const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const SCHEDULED_BY = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

export async function scheduledExport(input: ScheduledExportInput): Promise<ScheduledExportResult> {
  const disk = input.export;
  if (!patched(LINEAGE)) return exportOnce(input, { ...disk!, imageName: render(disk!.imageName, {}) });
  const scheduleId = input.scheduleId ?? workflowInfo().typedSearchAttributes.get(SCHEDULED_BY);
  if (input.serverExport) return serverBuild(input, input.serverExport, scheduleId);
  if (!disk)
    throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: 'input: give export or serverExport', nonRetryable: true });
  return diskBuild(input, disk, scheduleId);
}

async function diskBuild(input: ScheduledExportInput, disk: ExportDiskInput, scheduleId?: string): Promise<ScheduledExportResult> {
  const { volumeId } = disk;
  const source = await calls.describeSource({ volumeId });
  const lineage = scheduleId ? [lineageTag.schedule(scheduleId), sourceVolumeTag(volumeId)] : [];
  const tags = [...new Set([...(disk.tags ?? []), ...lineage, ...source.serverIds.map(lineageTag.server), ...commonTags()])];
  const imageName = render(disk.imageName, { ...source, scheduleId });
  const done = await exportOnce(input, { ...disk, imageName, tags });
  if (done.skipped || !input.keep || lineage.length === 0) return done;
  return { ...done, retention: await retain(input, lineage, done.result) };
}

const commonTags = () => [lineageTag.run(workflowInfo().runId), lineageTag.version()];

/**
 * A whole-server build: the prefix rendered from the template, the set exported as `export-server-<serverId>`,
 * and retention per disk (each disk's images are a lineage of their own).
 */
async function serverBuild(input: ScheduledExportInput, s: ExportServerInput, scheduleId?: string): Promise<ScheduledExportResult> {
  const { serverName } = await calls.describeServer({ serverId: s.serverId });
  const imageName = render(s.imageNamePrefix ?? '{serverName}', { serverName, scheduleId });
  const schedule = scheduleId ? [lineageTag.schedule(scheduleId)] : [];
  const tags = [...new Set([...(s.tags ?? []), ...schedule, lineageTag.server(s.serverId), ...commonTags()])];
  const workflowId = exportServerWorkflowId(s.serverId);
  let serverResult: ExportServerResult;
  try {
    serverResult = await executeChild(exportServerDisks, {
      workflowId,
      args: [{ ...s, imageNamePrefix: imageName, tags }],
      parentClosePolicy: 'REQUEST_CANCEL',
      staticSummary: `Scheduled export of server ${s.serverId} → ${imageName}-<device>`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError && input.ifRunning === 'skip')
      return { skipped: true, runningWorkflowId: workflowId };
    await pauseAfterFailure(input, messageOf(err));
    throw err;
  }
  if (!input.keep || schedule.length === 0) return { skipped: false, serverResult, imageName };
  const outcomes = [];
  for (const i of serverResult.images) {
    const r = await calls.applyRetention({
      lineageTags: [...schedule, sourceVolumeTag(i.volumeId)],
      keep: input.keep,
      dryRun: input.dryRun,
      newestImageId: i.imageId,
    });
    outcomes.push(r);
  }
  const retention: RetentionOutcome = {
    kept: outcomes.flatMap((o) => o.kept),
    deleted: outcomes.flatMap((o) => o.deleted),
    skipped: outcomes.flatMap((o) => o.skipped),
    dryRun: !!input.dryRun,
  };
  return { skipped: false, serverResult, imageName, retention };
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

type DiskBuild = { skipped: false; result: ExportDiskResult; imageName: string } | { skipped: true; runningWorkflowId: string };

async function exportOnce(input: ScheduledExportInput, args: ExportDiskInput): Promise<DiskBuild> {
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
