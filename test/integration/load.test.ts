// Progress under load (P9): more exports at once than the worker has activity slots. When activities waited —
// an export's for its servers' holds, a hold's for its server, each wait for the cloud — the waiting exports took
// every slot that the holds needed to stop the servers, and nothing moved again. Now nothing waits inside an
// activity, so a small worker slows the exports down and they all finish.
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import { type ExportDiskResult, holdWorkflowId, urgentTaskQueue } from '../../src/workflows/api';
import { until, useHarness } from './harness';

const h = useHarness();

/** Whether a hold workflow of this server still runs. */
async function holdRunning(serverId: string): Promise<boolean> {
  try {
    return (await h.client.workflow.getHandle(holdWorkflowId(serverId)).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

describe('progress under load (P9)', () => {
  it('12 exports over shared and unshared servers, all at once on a worker with 4 activity slots, all complete', async () => {
    // Servers a–d each carry two exported disks (their holds are shared by two runs), two shared disks span
    // a+b and c+d, and e and f have one disk each: 12 exports, 6 servers.
    const s = h.admin.seed({
      servers: ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name })),
      volumes: [
        ...['a', 'b', 'c', 'd'].flatMap((srv) => [1, 2].map((i) => ({ name: `${srv}-data${i}`, size: 5 + i, attachedTo: [srv] }))),
        { name: 'ab-shared', size: 8, multiattach: true, attachedTo: ['a', 'b'] },
        { name: 'cd-shared', size: 9, multiattach: true, attachedTo: ['c', 'd'] },
        { name: 'e-data', size: 4, attachedTo: ['e'] },
        { name: 'f-data', size: 4, attachedTo: ['f'] },
      ],
    });
    expect(s.volumes).toHaveLength(12);

    const results = await h.withWorker(
      (tq) =>
        Promise.all(
          s.volumes.map(async (v) => (await startExport(h.client, tq, { volumeId: v.id, imageName: `load-${v.name}` })).result()),
        ),
      { limits: { activitySlots: 4, urgentActivitySlots: 2, workflowTaskSlots: 4 } },
    );

    expect(results.map((r: ExportDiskResult) => r.imageStatus)).toEqual(Array(12).fill('active'));
    const o = h.admin.oracle();
    expect(o.exports).toHaveLength(12);
    for (const srv of s.servers) {
      expect(h.admin.state().servers.find((x) => x.id === srv.id)?.status).toBe('ACTIVE');
      expect(o.servers[srv.id].stops).toBeGreaterThanOrEqual(1);
    }
    // No hold is left behind: each ended once nobody held its server.
    await until(async () => !(await Promise.all(s.servers.map((x) => holdRunning(x.id)))).some(Boolean), 'every hold to end');
  });

  it("a server's stop, its hold's acquire, the export request, the patient reads of the upload and the restart run on the urgent task queue", async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 5, attachedTo: ['app'] }] });
    const [serverId, volumeId] = [s.servers[0].id, s.volumes[0].id];
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    let taskQueue = '';
    const exportHistory = await h.withWorker(async (tq) => {
      taskQueue = tq;
      const run = await startExport(h.client, tq, { volumeId, imageName: 'urgent-restart' });
      // The upload lasts until the export's wait has gone past its prompt stage.
      await until(
        async () => scheduledIn(await run.fetchHistory()).filter((a) => a.type === 'awaitVolumeReleased').length === 2,
        'the patient stage of the wait',
      );
      h.admin.advance({ kind: 'upload', id: volumeId });
      await run.result();
      return run.fetchHistory();
    });
    const urgent = urgentTaskQueue(taskQueue);
    const [prompt, patient] = scheduledIn(exportHistory).filter((a) => a.type === 'awaitVolumeReleased');
    expect([prompt.queue, patient.queue]).toEqual([taskQueue, urgent]);
    expect(
      scheduledIn(exportHistory)
        .filter((a) => a.type === 'requestExport')
        .map((a) => a.queue),
    ).toEqual([urgent]);
    // Taking the hold makes no cloud call: it does not wait for the main queue's dispatch rate.
    expect(
      scheduledIn(exportHistory)
        .filter((a) => a.type === 'acquireHolds')
        .map((a) => a.queue),
    ).toEqual([urgent]);
    // The image's lookup and the plan: one activity, one dispatch on the main queue.
    expect(
      scheduledIn(exportHistory)
        .filter((a) => /^(planExport|findExistingImage|planExportOrFindImage)$/.test(a.type))
        .map((a) => [a.type, a.queue]),
    ).toEqual([['planExportOrFindImage', taskQueue]]);

    const hold = scheduledIn(await h.client.workflow.getHandle(holdWorkflowId(serverId)).fetchHistory());
    const restart = hold.filter((a) => a.type === 'awaitStartable' || a.input.includes('ACTIVE'));
    // The stop: the hold's first look at the server, then the stop and its reads.
    const stop = hold.filter((a) => a.type === 'readServer' || a.input.includes('SHUTOFF'));
    expect(restart.length).toBeGreaterThanOrEqual(1);
    expect(stop.length).toBeGreaterThanOrEqual(2);
    for (const a of [...restart, ...stop]) expect([a.type, a.queue]).toEqual([a.type, urgent]);
  });
});

/** Activities a history scheduled: type, task queue and input (as text). */
function scheduledIn(history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>) {
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    const data = a?.input?.payloads?.[0]?.data;
    return a ? [{ type: String(a.activityType?.name), queue: a.taskQueue?.name, input: data ? Buffer.from(data).toString() : '' }] : [];
  });
}
