// Runs that share servers (P4): per-server holds, per-disk exclusion whoever starts the run, holders that vanish,
// no deadlock, whole-server exports.
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { startDevServer } from '../../src/dev/dev-server';
import { spawnWorker } from '../../src/dev/worker-process';
import { ExportAlreadyRunningError, startExport } from '../../src/export-client';
import { createExportWorker } from '../../src/worker';
import {
  type ExportDiskResult,
  exportServerWorkflowId,
  exportWorkflowId,
  FailureType,
  holdQuery,
  holdWorkflowId,
  approveUpdate,
  progressQuery,
} from '../../src/workflows/api';
import type { exportServerDisks, scheduledExport } from '../../src/workflows';
import { useHarness, event, expectCleanOracle, FAST_POLL, until } from './harness';

const h = useHarness();

function status(id: string): string {
  return String(h.admin.state().servers.find((s) => s.id === id)!.status);
}

function downIntervals(serverId: string) {
  return h.admin.oracle().servers[serverId].downIntervals;
}

const exportsOf = (tq: string, ...inputs: Record<string, unknown>[]) =>
  Promise.all(inputs.map(async (i) => (await startExport(h.client, tq, i)).result()));

describe('per-server holds', () => {
  it('two data disks of one running server exported at once: stopped once, started once, less downtime than two exports', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app' }],
      volumes: [
        { name: 'data1', size: 5, attachedTo: ['app'] },
        { name: 'data2', size: 40, attachedTo: ['app'] },
      ],
    });
    const server = s.servers[0].id;

    const results = await h.withWorker((tq) =>
      exportsOf(tq, { volumeId: s.volumes[0].id, imageName: 'data1-img' }, { volumeId: s.volumes[1].id, imageName: 'data2-img' }),
    );

    for (const r of results) expect(r.imageStatus).toBe('active');
    const o = h.admin.oracle();
    expect(o.servers[server]).toMatchObject({ stops: 1, starts: 1 });
    expect(downIntervals(server)).toHaveLength(1);
    const separately = results.map((r: ExportDiskResult) => Date.parse(r.finishedAt) - Date.parse(r.startedAt)).reduce((a, b) => a + b, 0);
    expect(o.servers[server].downtimeMs).toBeLessThan(separately);
    // The shorter export released first and saw the server still held by the other.
    const states = results.map((r) => r.servers[0].state).sort();
    expect(states).toEqual(['held-by-others', 'restarted']);
    expect(status(server)).toBe('ACTIVE');
  });

  it('two shared disks on the same three servers exported at once: each server stopped once and started once', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      volumes: [
        { name: 'shared1', size: 5, multiattach: true, attachedTo: ['a', 'b', 'c'] },
        { name: 'shared2', size: 20, multiattach: true, attachedTo: ['c', 'b', 'a'] },
      ],
    });
    const results = await h.withWorker((tq) =>
      exportsOf(tq, { volumeId: s.volumes[0].id, imageName: 'shared1-img' }, { volumeId: s.volumes[1].id, imageName: 'shared2-img' }),
    );
    for (const r of results) expect(r.imageStatus).toBe('active');
    for (const srv of s.servers) {
      expect(h.admin.oracle().servers[srv.id]).toMatchObject({ stops: 1, starts: 1 });
      expect(downIntervals(srv.id)).toHaveLength(1);
      expect(status(srv.id)).toBe('ACTIVE');
    }
  });

  it('a holder arriving while the last release prepares the restart keeps the server stopped (found by bench:concurrency)', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app' }],
      volumes: [
        { name: 'a', size: 5, attachedTo: ['app'] },
        { name: 'b', size: 5, attachedTo: ['app'] },
      ],
    });
    const server = s.servers[0].id;
    const [a, b] = s.volumes.map((v) => v.id);
    await h.withWorker(async (tq) => {
      const second = await startExport(h.client, tq, { volumeId: b, imageName: 'waits-for-approval', requireApproval: true });
      await until(async () => (await second.query(progressQuery)).phase === 'awaiting-approval', 'b awaiting approval');
      const first = await startExport(h.client, tq, { volumeId: a, imageName: 'first' });
      await event(h.admin, 'volume.uploading');
      // Widen the window between the last release and the start request: the restart's first read is slow.
      h.admin.addFault({ op: 'ecs.getServer', target: server, kind: 'delay', delayMs: 3000 });
      const hold = h.client.workflow.getHandle(holdWorkflowId(server));
      await until(async () => (await hold.query(holdQuery)).status === 'starting', 'the hold to start preparing the restart');
      await second.executeUpdate(approveUpdate, { args: [{ by: 'test' }] });
      await first.result();
      const rb = await second.result();
      expect(rb.servers[0].state).toBe('restarted');
    });
    expect(h.admin.oracle().servers[server]).toMatchObject({ stops: 1, starts: 1 });
    expect(downIntervals(server)).toHaveLength(1);
  });

  it('shows who holds a server and since when', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId: s.volumes[0].id, imageName: 'visible' });
      await event(h.admin, 'volume.uploading');
      const view = await h.client.workflow.getHandle(holdWorkflowId(s.servers[0].id)).query(holdQuery);
      expect(view).toMatchObject({ serverId: s.servers[0].id, status: 'held', prior: 'running' });
      expect(view.holders).toEqual([
        expect.objectContaining({
          workflowId: exportWorkflowId(s.volumes[0].id),
          runId: handle.firstExecutionRunId,
          since: expect.any(String),
        }),
      ]);
      h.admin.advance({ kind: 'upload', id: s.volumes[0].id });
      await handle.result();
    });
  });

  it('a cancelled run releases its hold while another still needs the server: it stays stopped until the other ends', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app' }],
      volumes: [
        { name: 'd1', size: 5, attachedTo: ['app'] },
        { name: 'd2', size: 5, attachedTo: ['app'] },
      ],
    });
    const server = s.servers[0].id;
    const [d1, d2] = s.volumes.map((v) => v.id);
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const a = await startExport(h.client, tq, { volumeId: d1, imageName: 'cancelled-one' });
      const b = await startExport(h.client, tq, { volumeId: d2, imageName: 'kept-one' });
      await until(() => h.admin.oracle().exports.length === 2, 'both uploads');
      await a.cancel();
      await until(async () => (await a.query(progressQuery)).phase === 'compensating', 'a compensating');
      h.admin.advance({ kind: 'upload', id: d1 });
      await a.result().catch(() => undefined);
      expect((await a.query(progressQuery)).servers[0].state).toBe('held-by-others');
      expect(status(server)).toBe('SHUTOFF');
      const view = await h.client.workflow.getHandle(holdWorkflowId(server)).query(holdQuery);
      expect(view.holders.map((x) => x.workflowId)).toEqual([exportWorkflowId(d2)]);

      h.admin.advance({ kind: 'upload', id: d2 });
      const rb = await b.result();
      expect(rb.servers[0].state).toBe('restarted');
    });
    expect(status(server)).toBe('ACTIVE');
    expect(h.admin.oracle().servers[server]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('a holder whose worker died and whose run an operator terminated is released; the server restarts after its disk', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const server = s.servers[0].id;
    const volumeId = s.volumes[0].id;
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    const taskQueue = `vanished-${randomUUID()}`;
    const first = spawnWorker({ temporalAddress: h.address, taskQueue, cloudEnv: h.sim.cloudEnv, poll: FAST_POLL, holdLivenessMs: 1000 });
    await first.ready;
    const handle = await startExport(h.client, taskQueue, { volumeId, imageName: 'vanished' });
    await event(h.admin, 'volume.uploading');
    await first.kill('SIGKILL');
    await handle.terminate('operator: the worker is gone');

    const worker = await createExportWorker(h.workerOptions(taskQueue));
    await worker.runUntil(async () => {
      const hold = h.client.workflow.getHandle(holdWorkflowId(server));
      await until(async () => (await hold.query(holdQuery)).holders.length === 0, 'the vanished holder to be released', 30_000);
      expect((await hold.query(holdQuery)).attention.join(' ')).toContain('ended without releasing');
      // The disk is still uploading: P1 keeps the server stopped.
      expect(status(server)).toBe('SHUTOFF');
      h.admin.advance({ kind: 'upload', id: volumeId });
      await until(() => status(server) === 'ACTIVE', 'the server to run again', 30_000);
      await hold.result();
    });
    expect(h.admin.oracle().servers[server]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('runs taking overlapping server sets listed in opposite orders never deadlock (10 rounds)', async () => {
    await h.withWorker(async (tq) => {
      for (let round = 0; round < 10; round++) {
        h.admin.reset();
        const s = h.admin.seed({
          servers: [{ name: 'x' }, { name: 'y' }, { name: 'z' }],
          volumes: [
            { name: 'up', size: 1, multiattach: true, attachedTo: ['x', 'y', 'z'] },
            { name: 'down', size: 1, multiattach: true, attachedTo: ['z', 'y', 'x'] },
            { name: 'mid', size: 1, multiattach: true, attachedTo: ['y', 'z'] },
          ],
        });
        const results = await exportsOf(tq, ...s.volumes.map((v, i) => ({ volumeId: v.id, imageName: `round${round}-${i}` })));
        for (const r of results) expect(r.imageStatus).toBe('active');
        expectCleanOracle(h.admin);
        for (const srv of s.servers) expect(status(srv.id)).toBe('ACTIVE');
      }
    });
  });
});

describe('a long-held hold', () => {
  it('continues as new when its history grows, keeping its holders and its duty to restart', async () => {
    // A server of our own that suggests continue-as-new after 60 events; fast liveness checks fill the history.
    const server = await startDevServer({ extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60'] });
    const connection = await NativeConnection.connect({ address: server.address });
    const clientConnection = await Connection.connect({ address: server.address });
    const client = new Client({ connection: clientConnection });
    try {
      const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
      const [serverId, volumeId] = [s.servers[0].id, s.volumes[0].id];
      h.admin.setConfig({ timings: { uploadBaseMs: null } });
      const taskQueue = `can-${randomUUID()}`;
      const worker = await createExportWorker({
        connection,
        namespace: 'default',
        taskQueue,
        cloud: h.cloud,
        client,
        poll: FAST_POLL,
        holdLivenessMs: 100,
        workflowBundle: h.bundle,
      });
      await worker.runUntil(async () => {
        const run = await startExport(client, taskQueue, { volumeId, imageName: 'long-held' });
        await event(h.admin, 'volume.uploading');
        const hold = client.workflow.getHandle(holdWorkflowId(serverId));
        await until(
          async () => {
            const d = await hold.describe();
            return d.runId !== d.raw.workflowExecutionInfo?.firstRunId;
          },
          'the hold to continue as new',
          45_000,
        );
        const view = await hold.query(holdQuery);
        expect(view).toMatchObject({ status: 'held', prior: 'running' });
        expect(view.holders.map((x) => x.workflowId)).toEqual([exportWorkflowId(volumeId)]);
        h.admin.advance({ kind: 'upload', id: volumeId });
        expect((await run.result()).servers[0].state).toBe('restarted');
      });
      expect(status(serverId)).toBe('ACTIVE');
      expect(h.admin.oracle().servers[serverId]).toMatchObject({ stops: 1, starts: 1 });
    } finally {
      await clientConnection.close();
      await connection.close();
      await server.stop();
    }
  });
});

describe('per-disk exclusion, whoever starts the run', () => {
  it('the same disk requested at once by a person and by a schedule-like parent: exactly one export, the other told why', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const volumeId = s.volumes[0].id;
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const [viaCli, viaSchedule] = await Promise.allSettled([
        startExport(h.client, tq, { volumeId, imageName: 'by-hand' }),
        h.client.workflow.start<typeof scheduledExport>('scheduledExport', {
          taskQueue: tq,
          workflowId: `schedule-${randomUUID()}`,
          args: [{ export: { volumeId, imageName: 'nightly-{date}' } }],
        }),
      ]);
      expect(viaSchedule.status).toBe('fulfilled');
      const scheduled =
        viaSchedule.status === 'fulfilled'
          ? viaSchedule.value.result().then(
              (r) => r,
              (e: unknown) => e,
            )
          : undefined;
      await event(h.admin, 'volume.uploading');
      h.admin.advance({ kind: 'upload', id: volumeId });
      const parentOutcome = await scheduled;
      if (viaCli.status === 'fulfilled') {
        // The person won: the scheduled run refused, naming the running export.
        await viaCli.value.result();
        expect(parentOutcome).toBeInstanceOf(WorkflowFailedError);
        const cause = (parentOutcome as WorkflowFailedError).cause as ApplicationFailure;
        expect(cause.type).toBe(FailureType.AlreadyRunning);
        expect(cause.message).toContain(exportWorkflowId(volumeId));
      } else {
        // The schedule won: the person was refused, naming the running export.
        expect(viaCli.reason).toBeInstanceOf(ExportAlreadyRunningError);
        expect((viaCli.reason as Error).message).toContain(exportWorkflowId(volumeId));
        expect(parentOutcome).toMatchObject({ skipped: false, result: { imageStatus: 'active' } });
      }
    });
    expect(h.admin.oracle().exports).toHaveLength(1);
  });

  it('a caller who asks for it is attached to the running export instead of refused', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const volumeId = s.volumes[0].id;
    await h.withWorker(async (tq) => {
      const first = await startExport(h.client, tq, { volumeId, imageName: 'first-caller' });
      const second = await startExport(h.client, tq, { volumeId, imageName: 'first-caller' }, { attach: true });
      expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
      const [a, b] = await Promise.all([first.result(), second.result()]);
      expect(b.imageId).toBe(a.imageId);
    });
    expect(h.admin.oracle().exports).toHaveLength(1);
  });
});

describe('whole-server export', () => {
  it('exports the system disk and both data disks as one set, stopping each involved server once', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'web' }, { name: 'peer' }],
      volumes: [
        { name: 'web-sys', size: 10, bootable: true, attachedTo: ['web'], device: '/dev/vda' },
        { name: 'web-data', size: 20, attachedTo: ['web'], device: '/dev/vdb' },
        { name: 'shared', size: 5, multiattach: true, attachedTo: ['web', 'peer'], device: '/dev/vdc' },
      ],
    });
    const [web, peer] = s.servers.map((x) => x.id);
    const result = await h.withWorker(async (tq) =>
      h.client.workflow.execute<typeof exportServerDisks>('exportServerDisks', {
        taskQueue: tq,
        workflowId: exportServerWorkflowId(web),
        args: [{ serverId: web, tags: ['golden'] }],
      }),
    );
    expect(result.images.map((i) => i.imageName).sort()).toEqual(['web-vda', 'web-vdb', 'web-vdc']);
    for (const img of result.images) {
      expect(img.imageStatus).toBe('active');
      const image = await h.cloud.ims.getImage(img.imageId);
      expect(image.tags).toEqual(expect.arrayContaining(['golden', result.setTag]));
    }
    const o = h.admin.oracle();
    expect(o.exports).toHaveLength(3);
    for (const id of [web, peer]) {
      expect(o.servers[id]).toMatchObject({ stops: 1, starts: 1 });
      expect(downIntervals(id)).toHaveLength(1);
      expect(status(id)).toBe('ACTIVE');
    }
    expect(result.servers.map((x) => x.state).sort()).toEqual(['restarted', 'restarted']);
  });
});
