// One whole-server export, as the runbook reads: validate → plan (the server's disks, and every server attached
// to any of them) → hold all those servers stopped, once → export every disk in parallel as a child run
// `export-<volumeId>` (the same per-disk identity as every other start, P4) → release the holds, once. On a
// failure or a cancel the holds are released (the children have ended: each waited for its disk). Driven by
// `exportServerDisks` (export-server-disks.ts). Workflow code: deterministic.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type ExportDiskResult,
  type ExportServerInput,
  type ExportServerPlan,
  type ExportServerResult,
  exportWorkflowId,
  FailureType,
  SA_PHASE,
  SA_SERVER_IDS,
  type ServerDiskPlan,
  type ServerExportPhase,
  type ServerExportProgress,
  sourceVolumeTag,
} from './api';
import { calls } from './activity-options';
import { serverState } from './details';
import { exportDiskImage } from './export-disk-image';
import { addCounts, type CallCounts, messageOf } from './failures';
import { HeldServers, neverStopped, plannedReports } from './held-servers';
import { InputError, validateServerExportInput } from './validate';
import { countCompensation } from './metrics';
import { upsertOwnSearchAttributes } from './visibility';

export class ServerExportRun {
  readonly progress: ServerExportProgress = { phase: 'validating', servers: [], disks: [], attention: [] };
  private readonly apiCalls: CallCounts = {};
  private readonly startedAt = new Date(workflowInfo().startTime).toISOString();
  // Tags allow letters, digits, `_` and `-`: the run id qualifies.
  private readonly setTag = `set-${workflowInfo().runId}`;
  private plan!: ExportServerPlan;
  private holds!: HeldServers;
  private readonly results: (ExportDiskResult | undefined)[] = [];

  constructor(private readonly input: ExportServerInput) {}

  /** The `snapshotTaken` signal of a per-disk child. */
  onSnapshotTaken(s: { volumeId: string }): void {
    const d = this.progress.disks.find((x) => x.volumeId === s.volumeId);
    if (d) d.snapshotTaken = true;
  }

  /** The run's side of its holds, once it has a plan (the hold signals are for it). */
  heldServers(): HeldServers | undefined {
    return this.holds;
  }

  async run(): Promise<ExportServerResult> {
    this.validate();
    await this.planExport();
    try {
      if (this.input.stopServers !== false) {
        this.show('stopping');
        await this.holds.hold(
          this.plan.servers.map((s) => s.serverId),
          this.input.stopType ?? 'SOFT',
          this.plan.deadlines.stopMs,
          this.plan.toStop,
        );
      }
      await this.exportDisks();
      return await this.releaseServers();
    } catch (err) {
      countCompensation(err, this.progress.phase);
      neverStopped(this.progress.servers);
      this.show('compensating');
      // The children have ended (each waited for its disk to leave `uploading`), so releasing is safe (P1);
      // the holds also check every attached disk before they start a server.
      await CancellationScope.nonCancellable(() => this.holds.releaseAll(this.input.leaveServersStopped, this.plan.deadlines.startMs));
      this.show(isCancellation(err) ? 'cancelled' : 'failed');
      throw err;
    }
  }

  private validate(): void {
    try {
      validateServerExportInput(this.input);
    } catch (err) {
      if (err instanceof InputError)
        throw ApplicationFailure.create({ type: FailureType.InvalidInput, message: err.message, nonRetryable: true });
      throw err;
    }
  }

  private async planExport(): Promise<void> {
    this.show('planning');
    const { serverId, imageNamePrefix, stopType, deadlines } = this.input;
    const planned = await calls.planServerExport({ serverId, imageNamePrefix, stopType, deadlines });
    addCounts(this.apiCalls, planned.apiCalls);
    this.plan = planned.plan;
    this.progress.plan = this.plan;
    this.progress.servers = plannedReports(this.plan.servers, this.input.stopServers === false ? [] : this.plan.toStop);
    this.progress.disks = this.plan.disks.map((d) => ({
      volumeId: d.volumeId,
      workflowId: exportWorkflowId(d.volumeId),
      state: 'pending',
    }));
    this.holds = new HeldServers({
      reports: this.progress.servers,
      counted: (c) => addCounts(this.apiCalls, c),
      changed: () => {
        this.progress.attention = this.holds.attention();
        this.show();
      },
    });
  }

  /** Every disk as a child run, in parallel; fails naming each disk that could not be exported. */
  private async exportDisks(): Promise<void> {
    this.show('exporting');
    const children = Promise.allSettled(this.plan.disks.map((d, i) => this.exportDisk(d, i)));
    if (this.input.strategy === 'snapshot' && this.holds.pending.length > 0) {
      // Every disk frozen in a snapshot at the same stop: the servers run again while the copies upload.
      await condition(() => this.progress.disks.every((d) => d.snapshotTaken || d.state === 'done' || d.state === 'failed'));
      this.show('restarting');
      await CancellationScope.nonCancellable(() => this.holds.releaseAll(this.input.leaveServersStopped, this.plan.deadlines.startMs));
      this.show('exporting');
    }
    const settled = await children;
    const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ d: this.plan.disks[i], i, err: s.reason as unknown }] : []));
    if (failed.length === 0) return;
    if (failed.every((f) => isCancellation(f.err))) throw failed[0].err;
    throw ApplicationFailure.create({
      type: FailureType.PartialExport,
      message: `${failed.length} of ${this.plan.disks.length} disks could not be exported: ${failed
        .map((f) => `${f.d.device ?? f.d.volumeId}: ${this.progress.disks[f.i].error}`)
        .join('; ')}`,
      nonRetryable: true,
      details: [{ images: this.results.filter((r): r is ExportDiskResult => !!r).map((r) => r.imageId) }],
    });
  }

  private async exportDisk(d: ServerDiskPlan, i: number): Promise<ExportDiskResult> {
    const report = this.progress.disks[i];
    report.state = 'running';
    this.show();
    const { diskFormat, containerFormat, osType, stopType, deadlines, tags, strategy, stopServers } = this.input;
    try {
      const r = await executeChild(exportDiskImage, {
        workflowId: exportWorkflowId(d.volumeId),
        args: [
          {
            volumeId: d.volumeId,
            imageName: d.imageName,
            diskFormat,
            containerFormat,
            osType,
            stopType,
            deadlines,
            tags: [...(tags ?? []), this.setTag, sourceVolumeTag(d.volumeId)],
            ...(strategy ? { strategy } : {}),
            ...(stopServers === false ? { stopServers } : {}),
          },
        ],
        // A cancelled parent cancels its children, which restart (release) what they hold first.
        parentClosePolicy: 'REQUEST_CANCEL',
        staticSummary: `Disk ${d.device ?? d.volumeId} of server ${this.plan.serverName} → ${d.imageName}`,
      });
      report.state = 'done';
      report.imageId = r.imageId;
      addCounts(this.apiCalls, r.apiCalls);
      this.results[i] = r;
      return r;
    } catch (err) {
      report.state = 'failed';
      report.error =
        err instanceof WorkflowExecutionAlreadyStartedError
          ? `an export of this disk is already running: workflow ${exportWorkflowId(d.volumeId)}`
          : messageOf(err);
      throw err;
    } finally {
      this.show();
    }
  }

  private async releaseServers(): Promise<ExportServerResult> {
    this.show('restarting');
    await CancellationScope.nonCancellable(() => this.holds.releaseAll(this.input.leaveServersStopped, this.plan.deadlines.startMs));
    const stillDown = this.holds.notRestarted(this.plan.deadlines.startMs);
    if (stillDown) throw ApplicationFailure.create({ type: FailureType.RestartFailed, message: stillDown, nonRetryable: true });
    this.show('done');
    return {
      serverId: this.plan.serverId,
      setTag: this.setTag,
      images: this.plan.disks.map((d, i) => {
        const r = this.results[i]!;
        return {
          volumeId: d.volumeId,
          device: d.device,
          imageId: r.imageId,
          imageName: r.imageName,
          imageStatus: r.imageStatus,
          workflowId: exportWorkflowId(d.volumeId),
        };
      }),
      servers: this.progress.servers,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      apiCalls: this.apiCalls,
    };
  }

  /** The phase, and the Web UI's current details. */
  private show(phase?: ServerExportPhase): void {
    const p = this.progress;
    if (phase) {
      p.phase = phase;
      const serverIds = this.plan ? this.plan.servers.map((s) => s.serverId) : [this.input.serverId];
      upsertOwnSearchAttributes([
        { key: SA_PHASE, value: phase },
        { key: SA_SERVER_IDS, value: serverIds },
      ]);
    }
    const disks = p.disks.map((d) => `- ${d.volumeId}: ${d.state}${d.imageId ? ` → ${d.imageId}` : ''}${d.error ? ` (${d.error})` : ''}`);
    const servers = p.servers.map((s) => `- **${s.name}** (${s.serverId}): ${serverState(s)}`);
    setCurrentDetails(
      [
        `Export every disk of server ${this.input.serverId}`,
        '',
        `**Phase:** ${p.phase}`,
        '',
        '**Disks:**',
        ...disks,
        '',
        '**Servers:**',
        ...servers,
      ].join('\n'),
    );
  }
}
