// `exportServerDisks` (id `export-server-<serverId>`): the system disk and every data disk of a server as one
// consistent set. The runbook is ServerExportRun (server-export-run.ts); this registers its messages and drives it.
import { setHandler } from '@temporalio/workflow';
import { type ExportServerInput, type ExportServerResult, serverExportProgressQuery, snapshotTakenSignal } from './api';
import { handleHoldSignals } from './held-servers';
import { measured } from './metrics';
import { ServerExportRun } from './server-export-run';

export async function exportServerDisks(input: ExportServerInput): Promise<ExportServerResult> {
  const run = new ServerExportRun(input);
  setHandler(serverExportProgressQuery, () => run.progress, {
    description: 'Phase, servers and per-disk child runs of this whole-server export.',
  });
  handleHoldSignals(() => run.heldServers());
  setHandler(snapshotTakenSignal, (x) => run.onSnapshotTaken(x), { description: 'From a per-disk child: its snapshot is taken.' });
  return measured(
    'exportServerDisks',
    () => ({ strategy: input.strategy ?? 'direct', servers: run.progress.servers }),
    () => run.run(),
  );
}
