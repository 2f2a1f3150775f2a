// Under a saturated API budget, what a stopped server waits for goes first and what nothing waits for last: the
// export request carries Temporal priority 1 (its reads take the urgent lane), the image's wait and tags after the
// restarts priority 5 (the background lane); the upload's waits and the restarts' checks of a server's disks
// share their reads — many disks of one worker are one listing of the disks in `uploading`.
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import { expectCleanOracle, useHarness } from './harness';

const h = useHarness();

/** The Temporal priority key each activity type was scheduled with (undefined: the default). */
async function priorities(run: WorkflowHandle): Promise<Record<string, number | undefined>> {
  const history = await run.fetchHistory();
  const out: Record<string, number | undefined> = {};
  for (const e of history.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a) out[String(a.activityType?.name)] = a.priority?.priorityKey ?? undefined;
  }
  return out;
}

describe('the API budget: lanes and shared reads', () => {
  it('schedules the export request first and the image after the restarts last, and shares the reads of many disks', async () => {
    const n = 6;
    const s = h.admin.seed({
      servers: [{ name: 'lanes-app' }],
      volumes: Array.from({ length: n }, (_, i) => ({ name: `lanes-disk-${i}`, size: 5 + 5 * i, attachedTo: ['lanes-app'] })),
    });
    await h.withWorker(async (taskQueue) => {
      const runs = await Promise.all(
        s.volumes.map((v) => startExport(h.client, taskQueue, { volumeId: v.id, imageName: `lanes-${v.name}` })),
      );
      const results = await Promise.all(runs.map((r) => r.result()));
      expect(results.map((r) => r.imageStatus)).toEqual(Array(n).fill('active'));
      const p = await priorities(runs[0]);
      expect(p).toMatchObject({ requestExport: 1, awaitImageActive: 5, tagImage: 5 });
      expect(p.planExport).toBeUndefined();
    });
    // Six uploads on one server, waited for on one worker, and the restart's check of its six disks: listings.
    expect(h.admin.oracle().apiCalls.byOp['evs.listVolumes'] ?? 0).toBeGreaterThan(0);
    // One stop and one start for the six, none while a disk uploaded (P1).
    expect(h.admin.oracle().servers[s.servers[0].id]).toMatchObject({ stops: 1, starts: 1 });
    expectCleanOracle(h.admin);
  });
});
