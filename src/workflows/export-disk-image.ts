// `exportDiskImage` (id `export-<volumeId>`): export one disk into an image (docs/design.md, "The export saga").
// The runbook is ExportRun (export-run.ts); this registers the run's messages and drives it.
import { setHandler } from '@temporalio/workflow';
import { type ApproveInput, approveUpdate, type ExportDiskInput, type ExportDiskResult, progressQuery } from './api';
import { ExportRun } from './export-run';
import { handleHoldSignals } from './held-servers';
import { measured } from './metrics';

export async function exportDiskImage(input: ExportDiskInput): Promise<ExportDiskResult> {
  const run = new ExportRun(input);
  setHandler(progressQuery, () => run.progress, { description: 'Phase, plan, image and per-server state of this export.' });
  setHandler(approveUpdate, (approval: ApproveInput) => run.approve(approval), {
    description: 'Approve the plan shown in `progress` (only when started with requireApproval). Input: {"by": "your name"}.',
    validator: (_approval: ApproveInput) => run.checkApproval(),
  });
  handleHoldSignals(() => run.heldServers());
  return measured(
    'exportDiskImage',
    () => ({ strategy: run.progress.plan?.strategy ?? input.strategy ?? 'direct', servers: run.progress.servers }),
    () => run.run(),
  );
}
