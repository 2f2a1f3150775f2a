// The snapshot strategy's resources, from the run's side: the snapshot of the disk (taken while its servers are
// held stopped), the temporary disk made from it (exported instead of the disk), and their removal — on success
// and as a compensation alike. Named after the run (`temporaryName`), so every create adopts what a lost answer
// made (P3). Workflow code: deterministic.
import { workflowInfo } from '@temporalio/workflow';
import type { CopyReady } from '../activities/copying';
import { type ExportPlan, temporaryName, type TemporaryResources } from './api';
import { calls, downtimeCalls, DOWNTIME_PRIORITY, UNTIL_DISK_RELEASED_MS } from './activity-options';
import type { CallCounts } from './failures';
import { waitFor } from './waiting';

export interface TemporaryCopyOptions {
  plan: ExportPlan;
  counted: (calls: CallCounts) => void;
  changed: () => void;
}

export class TemporaryCopy {
  readonly report: TemporaryResources;
  private readonly runTag = `${workflowInfo().workflowId}/${workflowInfo().runId}`;
  private snapshotRequested = false;
  private copyRequested = false;

  constructor(private readonly o: TemporaryCopyOptions) {
    const name = temporaryName(workflowInfo().runId);
    this.report = { snapshotName: name, volumeName: name };
  }

  /** The disk frozen in a snapshot; once it is `available` the servers may run again. */
  async takeSnapshot(): Promise<void> {
    const { plan, counted } = this.o;
    this.snapshotRequested = true;
    const snap = await downtimeCalls.createSnapshot({
      volumeId: plan.volumeId,
      name: this.report.snapshotName,
      force: plan.volumeStatus === 'in-use',
      runTag: this.runTag,
    });
    counted(snap.apiCalls);
    this.report.snapshotId = snap.id;
    this.report.snapshotCreatedAt = snap.createdAt;
    this.o.changed();
    const snapshotId = snap.id;
    await waitFor({ deadlineMs: plan.deadlines.snapshotMs, priority: DOWNTIME_PRIORITY, counted }, (w, since) =>
      w.awaitSnapshot({ snapshotId, since }),
    );
  }

  /** A disk like the source (zone, type, size; the cloud carries its image metadata over) from the snapshot. */
  async makeDisk(): Promise<CopyReady & { volumeId: string }> {
    const { plan, counted } = this.o;
    this.copyRequested = true;
    const copy = await calls.createCopy({
      name: this.report.volumeName,
      snapshotId: this.report.snapshotId!,
      sizeGb: plan.sizeGb,
      availabilityZone: plan.availabilityZone ?? null,
      volumeType: plan.volumeType ?? null,
      sourceVolumeId: plan.volumeId,
      runTag: this.runTag,
    });
    counted(copy.apiCalls);
    this.report.volumeId = copy.id;
    this.report.volumeCreatedAt = copy.createdAt;
    this.o.changed();
    const volumeId = copy.id;
    const ready = await waitFor({ deadlineMs: plan.deadlines.copyMs, counted }, (w, since) => w.awaitCopy({ volumeId, since }));
    return { ...ready, volumeId };
  }

  /**
   * The temporary disk first (made from the snapshot), then the snapshot. A delete the cloud refuses while the
   * resource is busy (a disk still uploading) is asked for again until it runs; already gone counts as deleted.
   */
  async remove(): Promise<void> {
    const { counted } = this.o;
    const r = this.report;
    if (this.copyRequested) {
      const { volumeId, volumeName: name } = r;
      const done = await waitFor({ deadlineMs: UNTIL_DISK_RELEASED_MS, counted }, (w, since) => w.removeCopy({ volumeId, name, since }));
      if (volumeId) r.volumeDeletedAt = done.deletedAt;
      this.o.changed();
    }
    if (this.snapshotRequested) {
      const { snapshotId, snapshotName: name } = r;
      const done = await waitFor({ deadlineMs: UNTIL_DISK_RELEASED_MS, counted }, (w, since) =>
        w.removeSnapshot({ snapshotId, name, since }),
      );
      if (snapshotId) r.snapshotDeletedAt = done.deletedAt;
      this.o.changed();
    }
  }
}
