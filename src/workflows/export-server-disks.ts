// Whole-server export (`exportServerDisks`, id `export-server-<serverId>`): the system disk and every data disk
// of a server as one consistent set. It holds the server — and every other server attached to any of those
// disks — stopped once, exports all disks in parallel as child runs (`export-<volumeId>`, the same per-disk
// identity as every other start), then releases the holds once. One image per disk, sharing a set tag.
import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  isCancellation,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  type ExportDiskResult,
  type ExportServerInput,
  type ExportServerPlan,
  type ExportServerResult,
  exportWorkflowId,
  FailureType,
  heldSignal,
  releasedSignal,
  type ServerReport,
} from './api';
import { calls } from './activity-options';
import { exportDiskImage } from './export-disk-image';
import { addCounts, type CallCounts, messageOf } from './failures';
import { HeldServers } from './held-servers';
import { InputError, validateServerExportInput } from './validate';
import { defineQuery } from '@temporalio/workflow';

export interface ServerExportProgress {
  phase: 'validating' | 'planning' | 'stopping' | 'exporting' | 'restarting' | 'done' | 'compensating' | 'failed' | 'cancelled';
  plan?: ExportServerPlan;
  servers: ServerReport[];
  disks: { volumeId: string; workflowId: string; state: 'pending' | 'running' | 'done' | 'failed'; imageId?: string; error?: string }[];
  attention: string[];
}

export const serverProgressQuery = defineQuery<ServerExportProgress>('progress');

export async function exportServerDisks(input: ExportServerInput): Promise<ExportServerResult> {
  const info = workflowInfo();
  const startedAt = new Date(info.startTime).toISOString();
  const apiCalls: CallCounts = {};
  const progress: ServerExportProgress = { phase: 'validating', servers: [], disks: [], attention: [] };
  setHandler(serverProgressQuery, () => progress, { description: 'Phase, servers and per-disk child runs of this whole-server export.' });
  const show = (phase?: ServerExportProgress['phase']) => {
    if (phase) progress.phase = phase;
    setCurrentDetails(
      [`**Phase:** ${progress.phase}`, '', ...progress.disks.map((d) => `- ${d.volumeId}: ${d.state}${d.imageId ? ` → ${d.imageId}` : ''}${d.error ? ` (${d.error})` : ''}`), ...progress.servers.map((s) => `- server ${s.name}: ${s.state}`)].join('\n'),
    );
  };

  try {
    validateServerExportInput(input);
  } catch (err) {
    if (err instanceof InputError) throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
    throw err;
  }

  show('planning');
  const planned = await calls.planServerExport({ serverId: input.serverId, imageNamePrefix: input.imageNamePrefix, stopType: input.stopType, deadlines: input.deadlines });
  addCounts(apiCalls, planned.apiCalls);
  const plan = planned.plan;
  progress.plan = plan;
  progress.servers = plan.servers.map((s) => ({ serverId: s.serverId, name: s.name, wasRunning: s.wasRunning, state: 'untouched' }));
  progress.disks = plan.disks.map((d) => ({ volumeId: d.volumeId, workflowId: exportWorkflowId(d.volumeId), state: 'pending' }));
  // Tags allow letters, digits, `_` and `-`: the run id qualifies.
  const setTag = `set-${info.runId}`;

  const holds = new HeldServers({
    holder: { workflowId: info.workflowId, runId: info.runId },
    reports: progress.servers,
    counted: (c) => addCounts(apiCalls, c),
    changed: () => {
      progress.attention = holds.attention();
      show();
    },
  });
  setHandler(heldSignal, (h) => holds.onHeld(h), { description: 'From a server hold: the server is stopped for this run.' });
  setHandler(releasedSignal, (r) => holds.onReleased(r), { description: 'From a server hold: how the server stands after this run released it.' });

  const results: (ExportDiskResult | undefined)[] = [];
  try {
    show('stopping');
    await holds.hold(plan.servers.map((s) => s.serverId), input.stopType ?? 'SOFT', plan.deadlines.stopMs, plan.toStop);

    show('exporting');
    const settled = await Promise.allSettled(
      plan.disks.map(async (d, i) => {
        progress.disks[i].state = 'running';
        show();
        try {
          const r = await executeChild(exportDiskImage, {
            workflowId: exportWorkflowId(d.volumeId),
            args: [
              {
                volumeId: d.volumeId,
                imageName: d.imageName,
                diskFormat: input.diskFormat,
                containerFormat: input.containerFormat,
                osType: input.osType,
                stopType: input.stopType,
                deadlines: input.deadlines,
                tags: [...(input.tags ?? []), setTag],
              },
            ],
            // A cancelled parent cancels its children, which restart (release) what they hold first.
            parentClosePolicy: 'REQUEST_CANCEL',
            staticSummary: `Disk ${d.device ?? d.volumeId} of server ${plan.serverName} → ${d.imageName}`,
          });
          progress.disks[i].state = 'done';
          progress.disks[i].imageId = r.imageId;
          addCounts(apiCalls, r.apiCalls);
          results[i] = r;
          return r;
        } catch (err) {
          progress.disks[i].state = 'failed';
          progress.disks[i].error =
            err instanceof WorkflowExecutionAlreadyStartedError
              ? `an export of this disk is already running: workflow ${exportWorkflowId(d.volumeId)}`
              : messageOf(err);
          throw err;
        } finally {
          show();
        }
      }),
    );
    const failed = settled.map((s, i) => (s.status === 'rejected' ? { d: plan.disks[i], err: s.reason as unknown } : undefined)).filter((x) => !!x);
    if (failed.length > 0) {
      const cancelled = failed.every((f) => isCancellation(f.err));
      if (cancelled) throw failed[0].err;
      throw ApplicationFailure.create({
        type: FailureType.CloudRejected,
        message: `${failed.length} of ${plan.disks.length} disks could not be exported: ${failed.map((f) => `${f.d.device ?? f.d.volumeId}: ${progress.disks[plan.disks.indexOf(f.d)].error}`).join('; ')}`,
        nonRetryable: true,
        details: [{ images: results.filter(Boolean).map((r) => r!.imageId) }],
      });
    }

    show('restarting');
    await CancellationScope.nonCancellable(() => holds.releaseAll(input.leaveServersStopped, plan.deadlines.startMs));
    const stillDown = holds.notRestarted(plan.deadlines.startMs);
    if (stillDown) throw ApplicationFailure.create({ type: FailureType.RestartFailed, message: stillDown, nonRetryable: true });
    show('done');
    return {
      serverId: plan.serverId,
      setTag,
      images: plan.disks.map((d, i) => ({
        volumeId: d.volumeId,
        device: d.device,
        imageId: results[i]!.imageId,
        imageName: results[i]!.imageName,
        imageStatus: results[i]!.imageStatus,
        workflowId: exportWorkflowId(d.volumeId),
      })),
      servers: progress.servers,
      startedAt,
      finishedAt: new Date().toISOString(),
      apiCalls,
    };
  } catch (err) {
    show('compensating');
    // The children have ended (each waited for its disk to leave `uploading`), so releasing is safe (P1);
    // the holds also check every attached disk before they start a server.
    await CancellationScope.nonCancellable(() => holds.releaseAll(input.leaveServersStopped, plan.deadlines.startMs));
    show(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}
