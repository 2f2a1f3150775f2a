// Admission before stopping servers (EVS_EXPORT_ADMISSION): a run that will stop a server nobody holds first takes
// a no-op activity on the admission task queue, which the Temporal server hands out no faster than the set rate,
// across every worker. Servers are then stopped at the pace the account's budget carries exports through, not
// all at once with each one's export waiting behind the others' reads. A run that only joins servers another run
// already holds takes no admission.
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { progressChanges } from '../../src/cli/progress-lines';
import { startExport } from '../../src/export-client';
import { acquireUpdate, admissionTaskQueue, holdQuery, holdWorkflowId, progressQuery, releaseSignal } from '../../src/workflows/api';
import { expectCleanOracle, until, useHarness } from './harness';

const h = useHarness();

/** The activities a run scheduled: type, task queue, the summary shown in the Web UI, the input and how it ended. */
async function scheduled(run: WorkflowHandle) {
  const events = (await run.fetchHistory()).events ?? [];
  const ended = new Map<string, string>();
  for (const e of events) {
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskCanceledEventAttributes ?? e.activityTaskFailedEventAttributes;
    if (done)
      ended.set(
        String(done.scheduledEventId),
        e.activityTaskCompletedEventAttributes ? 'completed' : e.activityTaskCanceledEventAttributes ? 'cancelled' : 'failed',
      );
  }
  return events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) return [];
    const data = a.input?.payloads?.[0]?.data;
    const input = data ? (JSON.parse(Buffer.from(data).toString()) as Record<string, unknown>) : {};
    const end = ended.get(String(e.eventId)) ?? 'open';
    return [{ type: String(a.activityType?.name), queue: String(a.taskQueue?.name), summary: e.userMetadata?.summary, input, end }];
  });
}

/** When the simulator saw each server begin to stop, in order. */
const stopTimes = () =>
  h.admin
    .events()
    .filter((e) => e.type === 'server.stopping')
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b);

/** No admission is handed out any more: the queue's rate set to 0 through the API, which overrides the worker's. */
async function pauseAdmissions(taskQueue: string): Promise<void> {
  await h.connection.workflowService.updateTaskQueueConfig({
    namespace: 'default',
    identity: 'admission test',
    taskQueue: admissionTaskQueue(taskQueue),
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit: { rateLimit: { requestsPerSecond: 0 }, reason: 'admission test: paused' },
  });
  // Applied once the task queue itself says so (the update is stored first, then reaches the queue).
  await until(async () => {
    const d = await h.connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: admissionTaskQueue(taskQueue) },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      reportConfig: true,
    });
    return d.effectiveRateLimit?.rateLimitSource === temporal.api.enums.v1.RateLimitSource.RATE_LIMIT_SOURCE_API;
  }, 'the admission queue paused');
}

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

        // Each run took its admission on the admission queue, named in the Web UI's timeline, before its holds:
        // a server with no other disk is stopped by no other run, so nothing waits in its hold.
        for (const run of runs) {
          const acts = await scheduled(run);
          const admit = acts.findIndex((a) => a.type === 'admit');
          expect(acts[admit]?.queue).toBe(admissionTaskQueue(taskQueue));
          expect(acts[admit]?.end).toBe('completed');
          const holds = acts.filter((a) => a.type === 'acquireHolds');
          expect(holds.map((a) => a.input.waiting)).toEqual([undefined]);
          expect(admit).toBeLessThan(acts.indexOf(holds[0]));
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
        { name: 'second-disk', size: 150, attachedTo: ['shared-app'] },
      ],
    });
    const [first, second] = s.volumes;
    await h.withWorker(
      async (taskQueue) => {
        // The second disk's export first: its larger upload keeps the server held while the first one plans.
        const holder = await startExport(h.client, taskQueue, { volumeId: second.id, imageName: 'adm-holder' });
        const hold = h.client.workflow.getHandle(holdWorkflowId(s.servers[0].id));
        await until(async () => (await hold.query(holdQuery).catch(() => undefined))?.status === 'held', 'the server held');
        const joiner = await startExport(h.client, taskQueue, { volumeId: first.id, imageName: 'adm-joiner' });
        await Promise.all([holder.result(), joiner.result()]);
        expect((await scheduled(holder)).filter((a) => a.type === 'admit')).toHaveLength(1);
        expect((await scheduled(joiner)).filter((a) => a.type === 'admit')).toHaveLength(0);
      },
      { admission: 0.5 },
    );
    expectCleanOracle(h.admin);
  });

  it('runs waiting for their admission join a shared server another run has stopped, and need none', async () => {
    // Four disks of one server exported at once while no admission is handed out: every run waits in the
    // server's hold. Then another holder (standing in for a run that needed no admission) has the server stopped:
    // the four join that one stop, cancel their admissions and complete.
    const s = h.admin.seed({
      servers: [{ name: 'adm-shared' }],
      volumes: [
        ...Array.from({ length: 4 }, (_, i) => ({ name: `adm-shared-${i}`, size: 5 + 10 * i, attachedTo: ['adm-shared'] })),
        { name: 'adm-loose', size: 5 },
      ],
    });
    const disks = s.volumes.filter((v) => v.name.startsWith('adm-shared'));
    await h.withWorker(
      async (taskQueue) => {
        await pauseAdmissions(taskQueue);
        const runs = await Promise.all(disks.map((v) => startExport(h.client, taskQueue, { volumeId: v.id, imageName: `adm-${v.name}` })));
        const hold = h.client.workflow.getHandle(holdWorkflowId(s.servers[0].id));
        const view = await until(async () => {
          const v = await hold.query(holdQuery).catch(() => undefined);
          return v && (v.holders.length === 4 || v.status !== 'idle') ? v : undefined;
        }, 'all four runs in the hold, or its server stopping');
        // The pause reaches every partition of the queue a moment after the root's: rarely, one admission has
        // gone out before it, and that run stops the server instead of the other holder.
        const waiting = view.status === 'idle' && view.holders.every((x) => x.waiting);
        // The other holder: a running workflow (an export waiting for approval), so the hold's liveness check keeps it.
        const other = await startExport(h.client, taskQueue, { volumeId: s.volumes[4].id, imageName: 'adm-other', requireApproval: true });
        const holder = { workflowId: other.workflowId, runId: other.firstExecutionRunId };
        if (waiting) await hold.executeUpdate(acquireUpdate, { args: [{ holder }] });
        const results = await Promise.all(runs.map((r) => r.result()));
        expect(results.map((r) => r.imageStatus)).toEqual(Array(4).fill('active'));
        // None took an admission: each cancelled its own, or scheduled none (told held before it would have).
        const admits = (await Promise.all(runs.map(scheduled))).flat().filter((a) => a.type === 'admit');
        expect(admits.filter((a) => a.end !== 'cancelled').length).toBeLessThanOrEqual(waiting ? 0 : 1);
        if (waiting) await hold.signal(releaseSignal, { holder });
        await other.cancel();
        await until(async () => (await hold.describe()).status.name === 'COMPLETED', 'the last release to restart the server');
      },
      { admission: 1 },
    );
    expect(h.admin.oracle().servers[s.servers[0].id]?.stops).toBe(1);
    expectCleanOracle(h.admin);
  });

  it('a run cancelled while it waits for its admission never stops its server, and its hold ends', async () => {
    // Two servers, each with a second disk (so a run waits in their holds): the admission queue is paused (its
    // rate set to 0 through the API, which overrides the worker's), so both runs wait until cancelled.
    const s = h.admin.seed({
      servers: [{ name: 'adm-wait-0' }, { name: 'adm-wait-1' }],
      volumes: [0, 1].flatMap((i) => [
        { name: `adm-wait-disk-${i}`, size: 5, attachedTo: [`adm-wait-${i}`] },
        { name: `adm-wait-other-${i}`, size: 5, attachedTo: [`adm-wait-${i}`] },
      ]),
    });
    const disks = s.volumes.filter((v) => v.name.startsWith('adm-wait-disk'));
    await h.withWorker(
      async (taskQueue) => {
        await pauseAdmissions(taskQueue);
        const runs = await Promise.all(disks.map((v) => startExport(h.client, taskQueue, { volumeId: v.id, imageName: `adm-${v.name}` })));
        const holds = s.servers.map((x) => h.client.workflow.getHandle(holdWorkflowId(x.id)));
        for (const hold of holds) {
          const view = await until(async () => {
            const v = await hold.query(holdQuery).catch(() => undefined);
            return v?.holders.length ? v : undefined;
          }, 'the run to wait in the hold for its admission');
          expect(view.status).toBe('idle');
          expect(view.holders.map((x) => x.waiting)).toEqual([true]);
        }
        // The follower says why the run waits, and that its servers still run.
        for (const run of runs) {
          const p = await until(async () => {
            const q = await run.query(progressQuery);
            return q.awaitingAdmission ? q : undefined;
          }, 'the run to show it waits for its admission');
          expect(progressChanges(undefined, p).join('\n')).toMatch(
            /stopping 1 server\(s\)\n.*waiting for its admission: .*the servers still run/,
          );
        }
        for (const run of runs) await run.cancel();
        for (const [i, run] of runs.entries()) {
          const report = await until(async () => {
            const d = await run.describe();
            return d.status.name === 'CANCELLED' ? await run.query(progressQuery) : undefined;
          }, 'the run to end cancelled');
          expect(report.servers.map((x) => x.state)).toEqual(['untouched']);
          expect(report.awaitingAdmission).toBeUndefined();
          await until(async () => (await holds[i].describe()).status.name === 'COMPLETED', 'the hold to end');
        }
      },
      { admission: 1 },
    );
    for (const x of s.servers) expect(h.admin.oracle().servers[x.id]?.stops ?? 0).toBe(0);
    expectCleanOracle(h.admin);
  });

  it('a run waiting for its admission goes on as soon as another run begins stopping one of its servers', async () => {
    // Stops that wait for the test's word: adm-x stays "stopping" until then. The shared disk's run waits in both
    // holds (no admission is handed out); another holder has adm-x stopped; the hold tells the waiting run the
    // stop has begun (serverStopping), and it stops adm-y at once — not 1.5 s later, when adm-x is down.
    h.admin.setConfig({ timings: { stopMs: null } });
    const s = h.admin.seed({
      servers: [{ name: 'adm-x' }, { name: 'adm-y' }],
      volumes: [
        { name: 'adm-xy-shared', size: 5, multiattach: true, attachedTo: ['adm-x', 'adm-y'] },
        { name: 'adm-xy-loose', size: 5 },
        // Other disks on both servers: other runs may stop them, so the run waits in its holds for its admission.
        { name: 'adm-x-own', size: 5, attachedTo: ['adm-x'] },
        { name: 'adm-y-own', size: 5, attachedTo: ['adm-y'] },
      ],
    });
    const [x, y] = s.servers.map((v) => v.id);
    await h.withWorker(
      async (taskQueue) => {
        await pauseAdmissions(taskQueue);
        const run = await startExport(h.client, taskQueue, { volumeId: s.volumes[0].id, imageName: 'adm-xy-shared' });
        const holdX = h.client.workflow.getHandle(holdWorkflowId(x));
        await until(
          async () => (await holdX.query(holdQuery).catch(() => undefined))?.holders.some((v) => v.waiting),
          'the run waiting in adm-x',
        );
        const other = await startExport(h.client, taskQueue, {
          volumeId: s.volumes[1].id,
          imageName: 'adm-xy-other',
          requireApproval: true,
        });
        const holder = { workflowId: other.workflowId, runId: other.firstExecutionRunId };
        await holdX.executeUpdate(acquireUpdate, { args: [{ holder }] });
        const stopping = (id: string) => h.admin.events().some((e) => e.type === 'server.stopping' && e.serverId === id);
        await until(async () => stopping(y), 'adm-y stopping');
        expect(h.admin.events().some((e) => e.type === 'server.stopped' && e.serverId === x)).toBe(false);
        h.admin.setConfig({ timings: { stopMs: 300 } });
        for (const p of h.admin.state().pending.filter((t) => t.kind === 'stop')) h.admin.advance({ kind: 'stop', id: p.id });
        expect((await run.result()).imageStatus).toBe('active');
        await holdX.signal(releaseSignal, { holder });
        await other.cancel();
        await until(async () => (await holdX.describe()).status.name === 'COMPLETED', 'the last release to restart adm-x');
      },
      { admission: 1 },
    );
    expect(h.admin.oracle().servers[x]?.stops).toBe(1);
    expect(h.admin.oracle().servers[y]?.stops).toBe(1);
    expectCleanOracle(h.admin);
  });

  it('a run of a shared disk that finds one of its servers stopped by another run goes on without its admission', async () => {
    // app-a has its own disk, exported first (admitted at once) and long enough to keep app-a held; then the
    // admission queue is paused. The shared disk's run waits in both holds, is told app-a is held for it, and goes
    // on: waiting longer would only keep app-a down. It stops app-b itself.
    const s = h.admin.seed({
      servers: [{ name: 'adm-a' }, { name: 'adm-b' }],
      volumes: [
        { name: 'adm-a-own', size: 200, attachedTo: ['adm-a'] },
        { name: 'adm-b-own', size: 5, attachedTo: ['adm-b'] },
        { name: 'adm-ab-shared', size: 5, multiattach: true, attachedTo: ['adm-a', 'adm-b'] },
      ],
    });
    const [own, , shared] = s.volumes;
    await h.withWorker(
      async (taskQueue) => {
        const first = await startExport(h.client, taskQueue, { volumeId: own.id, imageName: 'adm-a-own' });
        const holdA = h.client.workflow.getHandle(holdWorkflowId(s.servers[0].id));
        await until(async () => (await holdA.query(holdQuery).catch(() => undefined))?.status === 'held', 'adm-a held by the first run');
        await pauseAdmissions(taskQueue);
        const run = await startExport(h.client, taskQueue, { volumeId: shared.id, imageName: 'adm-ab-shared' });
        const [a, b] = await Promise.all([first.result(), run.result()]);
        expect([a.imageStatus, b.imageStatus]).toEqual(['active', 'active']);
        // Told app-a is held as soon as its holds are taken, it schedules no admission, or cancels it.
        const admits = (await scheduled(run)).filter((x) => x.type === 'admit');
        expect(admits.filter((x) => x.end !== 'cancelled')).toEqual([]);
      },
      { admission: 1 },
    );
    expect(h.admin.oracle().servers[s.servers[0].id]?.stops).toBe(1);
    expect(h.admin.oracle().servers[s.servers[1].id]?.stops).toBe(1);
    expectCleanOracle(h.admin);
  });
});
