// Admission before stopping servers (EVS_EXPORT_ADMISSION): a run that will stop a server nobody holds first takes
// a no-op activity on the admission task queue, which the Temporal server hands out no faster than the set rate,
// across every worker. Servers are then stopped at the pace the account's budget carries exports through, not
// all at once with each one's export waiting behind the others' reads. A run that only joins servers another run
// already holds takes no admission.
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import { admissionTaskQueue, holdWorkflowId } from '../../src/workflows/api';
import { expectCleanOracle, until, useHarness } from './harness';

const h = useHarness();

/** The activities a run scheduled: type, task queue and the summary shown in the Web UI. */
async function scheduled(run: WorkflowHandle) {
  const history = await run.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    return a ? [{ type: String(a.activityType?.name), queue: String(a.taskQueue?.name), summary: e.userMetadata?.summary }] : [];
  });
}

/** When the simulator saw each server begin to stop, in order. */
const stopTimes = () =>
  h.admin
    .events()
    .filter((e) => e.type === 'server.stopping')
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b);

describe('admission before stopping servers', () => {
  it('servers begin to stop no faster than the admission rate, and every export completes', async () => {
    const n = 6;
    const rate = 1;
    const s = h.admin.seed({
      servers: Array.from({ length: n }, (_, i) => ({ name: `adm-${i}` })),
      volumes: Array.from({ length: n }, (_, i) => ({ name: `adm-data-${i}`, size: 5, attachedTo: [`adm-${i}`] })),
    });
    await h.withWorker(
      async (taskQueue) => {
        const runs = await Promise.all(
          s.volumes.map((v) => startExport(h.client, taskQueue, { volumeId: v.id, imageName: `adm-${v.name}` })),
        );
        const results = await Promise.all(runs.map((r) => r.result()));
        expect(results.map((r) => r.imageStatus)).toEqual(Array(n).fill('active'));

        // Each run took its admission on the admission queue, named in the Web UI's timeline, before its holds.
        for (const run of runs) {
          const acts = await scheduled(run);
          const admit = acts.findIndex((a) => a.type === 'admit');
          expect(acts[admit]?.queue).toBe(admissionTaskQueue(taskQueue));
          expect(admit).toBeLessThan(acts.findIndex((a) => a.type === 'acquireHolds'));
        }
      },
      { admission: rate },
    );
    // The plans all end within a fraction of a second; unadmitted, the six stops begin together. Admitted, the
    // server hands out at most `rate` a second after a burst (at most 2 here): later stops only spread further.
    const t = stopTimes();
    expect(t).toHaveLength(n);
    expect(t[n - 1] - t[0]).toBeGreaterThanOrEqual(((n - 1 - 2) / rate) * 1000 - 100);
    expectCleanOracle(h.admin);
  });

  it('a run that only joins servers another run holds takes no admission', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'shared-app' }],
      volumes: [
        { name: 'first-disk', size: 5, attachedTo: ['shared-app'] },
        { name: 'second-disk', size: 40, attachedTo: ['shared-app'] },
      ],
    });
    const [first, second] = s.volumes;
    await h.withWorker(
      async (taskQueue) => {
        // The second disk's export first: its larger upload keeps the server held while the first one plans.
        const holder = await startExport(h.client, taskQueue, { volumeId: second.id, imageName: 'adm-holder' });
        const hold = h.client.workflow.getHandle(holdWorkflowId(s.servers[0].id));
        await until(async () => (await hold.describe().catch(() => undefined))?.status.name === 'RUNNING', 'the hold to run');
        const joiner = await startExport(h.client, taskQueue, { volumeId: first.id, imageName: 'adm-joiner' });
        await Promise.all([holder.result(), joiner.result()]);
        expect((await scheduled(holder)).filter((a) => a.type === 'admit')).toHaveLength(1);
        expect((await scheduled(joiner)).filter((a) => a.type === 'admit')).toHaveLength(0);
      },
      { admission: 0.5 },
    );
    expectCleanOracle(h.admin);
  });
});
