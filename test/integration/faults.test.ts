// Promises under faults injected by the simulator: lost responses, duplicates, failing jobs, a server that
// will not start, throttling, a shared API budget, deadlines, terminal states and cancel at every phase.
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCloudClient, loadCloudConfig } from '../../src/cloud';
import { ExportAlreadyRunningError, type ExportHandle, startExport } from '../../src/export-client';
import { approveUpdate, FailureType, progressQuery } from '../../src/workflows/api';
import { event, failureOf, until, useHarness } from './harness';

const h = useHarness();

function oneServerDisk(name = 'app', size = 10) {
  const s = h.admin.seed({ servers: [{ name }], volumes: [{ name: `${name}-disk`, size, attachedTo: [name] }] });
  return { serverId: s.servers[0].id, volumeId: s.volumes[0].id };
}

function serverStatus(id: string) {
  const s = h.admin.state().servers.find((x) => x.id === id)!;
  return { status: s.status, taskState: s['OS-EXT-STS:task_state'] };
}

describe('exactly once (P3)', () => {
  it('adopts the export whose response was lost instead of exporting again', async () => {
    const { serverId, volumeId } = oneServerDisk();
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'lost-response' });

    const result = await h.withWorker(async (tq) => (await startExport(h.client, tq, { volumeId, imageName: 'lost-export' })).result());

    expect(result.adopted).toBe(true);
    expect(result.imageStatus).toBe('active');
    const o = h.admin.oracle();
    expect(o.apiCalls.byOp['evs.uploadImage']).toBe(1);
    expect(o.exports).toHaveLength(1);
    expect(o.exports[0].imageId).toBe(result.imageId);
    expect(o.servers[serverId]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('never requests a second export when the lost export then fails in the cloud (found by bench:faults)', async () => {
    const { serverId, volumeId } = oneServerDisk();
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'lost-response' });
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });

    const handle = await h.withWorker(async (tq) => {
      const x = await startExport(h.client, tq, { volumeId, imageName: 'lost-then-killed' });
      await x.result().catch(() => undefined);
      return x;
    });
    const cause = await failureOf(handle.result());

    expect(cause.type).toBe(FailureType.ImageFailed);
    const o = h.admin.oracle();
    expect(o.apiCalls.byOp['evs.uploadImage']).toBe(1);
    expect(o.exports).toHaveLength(1);
    expect(o.servers[serverId]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('refuses a second start for the same disk while one runs, naming the running workflow', async () => {
    const { volumeId } = oneServerDisk();
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const first = await startExport(h.client, tq, { volumeId, imageName: 'first' });
      await event(h.admin, 'volume.uploading');
      const second = await startExport(h.client, tq, { volumeId, imageName: 'second' }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(ExportAlreadyRunningError);
      expect((second as Error).message).toContain(`export-${volumeId}`);
      expect((second as Error).message).toContain(first.firstExecutionRunId);
      h.admin.advance({ kind: 'upload', id: volumeId });
      await first.result();
    });
    expect(h.admin.oracle().exports).toHaveLength(1);
  });

  it('returns the existing image on a re-run after success, touching no server', async () => {
    const { serverId, volumeId } = oneServerDisk();
    const [first, second] = await h.withWorker(async (tq) => {
      const a = await (await startExport(h.client, tq, { volumeId, imageName: 'rerun' })).result();
      const b = await (await startExport(h.client, tq, { volumeId, imageName: 'rerun' })).result();
      return [a, b];
    });
    expect(second.imageId).toBe(first.imageId);
    expect(second.adopted).toBe(true);
    expect(second.servers).toEqual([]);
    const o = h.admin.oracle();
    expect(o.exports).toHaveLength(1);
    expect(o.servers[serverId]).toMatchObject({ stops: 1, starts: 1 });
  });
});

describe('idempotent stop and start (P2)', () => {
  it('waits for servers a lost stop request did stop, instead of stopping them again', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }],
      volumes: [{ name: 'd', size: 5, multiattach: true, attachedTo: ['a', 'b'] }],
    });
    h.admin.addFault({ op: 'ecs.stop', kind: 'lost-response' });

    const result = await h.withWorker(async (tq) =>
      (await startExport(h.client, tq, { volumeId: s.volumes[0].id, imageName: 'lost-stop' })).result(),
    );

    expect(result.imageStatus).toBe('active');
    const o = h.admin.oracle();
    // One stop request per server (each server's hold stops it); the lost one is not repeated.
    expect(o.apiCalls.byOp['ecs.stop']).toBe(2);
    for (const srv of s.servers) expect(o.servers[srv.id]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('retries a stop job that FAILs and reports its error_code and fail_reason', async () => {
    const { serverId, volumeId } = oneServerDisk();
    h.admin.addFault({ op: 'ecs.stop', kind: 'job-fail', code: 'Ecs.0100', message: 'the guest refused to shut down' });

    const result = await h.withWorker(async (tq) => (await startExport(h.client, tq, { volumeId, imageName: 'job-fail' })).result());

    expect(result.imageStatus).toBe('active');
    expect(result.jobFailures).toEqual([
      expect.objectContaining({ errorCode: 'Ecs.0100', failReason: 'the guest refused to shut down', serverIds: [serverId] }),
    ]);
    expect(h.admin.oracle().servers[serverId]).toMatchObject({ stops: 1, starts: 1 });
    expect(h.admin.oracle().apiCalls.byOp['ecs.stop']).toBe(2);
  });

  it('keeps retrying a server that will not start, shows it as needing attention, and restarts the others meanwhile', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'stubborn' }, { name: 'fine' }],
      volumes: [{ name: 'd', size: 5, multiattach: true, attachedTo: ['stubborn', 'fine'] }],
    });
    const [stubborn, fine] = s.servers;
    const fault = h.admin.addFault({
      op: 'ecs.start',
      target: stubborn.id,
      kind: 'job-fail',
      code: 'Ecs.0226',
      message: 'Failed to start.',
      times: 0,
    });

    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId: s.volumes[0].id, imageName: 'stubborn' });
      const p = await until(async () => {
        const q = await handle.query(progressQuery);
        return q.attention.some((a) => a.includes(stubborn.id)) ? q : undefined;
      }, 'the stubborn server to be reported');
      expect(p.servers.find((x) => x.serverId === stubborn.id)).toMatchObject({
        state: 'restart-failing',
        lastError: expect.stringContaining('Ecs.0226'),
      });
      await until(() => serverStatus(fine.id).status === 'ACTIVE', 'the other server to run again');
      expect(serverStatus(stubborn.id).status).toBe('SHUTOFF');

      h.admin.removeFault(fault.id);
      const result = await handle.result();
      expect(result.servers.find((x) => x.serverId === stubborn.id)).toMatchObject({ state: 'restarted' });
      expect(result.jobFailures.length).toBeGreaterThanOrEqual(1);
    });
    expect(serverStatus(stubborn.id).status).toBe('ACTIVE');
  });
});

describe('throttling and transient errors never fail a run (P8)', () => {
  it('rides out 429 with Retry-After, 503, 500 and ECS 202 + Common.0024', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }],
      volumes: [{ name: 'd', size: 5, multiattach: true, attachedTo: ['a', 'b'] }],
    });
    h.admin.addFault({ op: 'evs.getVolume', kind: 'throttle', retryAfterSec: 1, times: 3 });
    h.admin.addFault({ op: 'ecs.getServer', kind: 'error', status: 503, times: 4 });
    h.admin.addFault({ op: 'ecs.stop', kind: 'throttle-202', times: 2 });
    h.admin.addFault({ op: 'ecs.start', kind: 'throttle', retryAfterSec: 1, times: 2 });
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'throttle', retryAfterSec: 1, times: 2 });
    h.admin.addFault({ op: 'ims.getImage', kind: 'error', status: 502, times: 3 });

    const result = await h.withWorker(async (tq) =>
      (await startExport(h.client, tq, { volumeId: s.volumes[0].id, imageName: 'throttled' })).result(),
    );

    expect(result.imageStatus).toBe('active');
    for (const f of h.admin.faults()) expect(f.applied).toBe(f.times);
    const o = h.admin.oracle();
    expect(o.exports).toHaveLength(1);
    for (const srv of s.servers) expect(o.servers[srv.id]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('keeps every run on a worker within one shared API budget', async () => {
    const disks = Array.from({ length: 4 }, (_, i) => oneServerDisk(`srv${i}`, 5));
    const budget = { requestsPerSecond: 4, burst: 4 };
    const cloud = createCloudClient(loadCloudConfig({ env: h.sim.cloudEnv }), { rateLimit: budget });
    await h.withWorker(
      async (taskQueue) => {
        const handles = await Promise.all(
          disks.map((d, i) => startExport(h.client, taskQueue, { volumeId: d.volumeId, imageName: `budget-${i}` })),
        );
        await Promise.all(handles.map((x) => x.result()));
      },
      { cloud },
    );
    await cloud.close();
    // The token bucket admits at most burst + rate × window requests in any window.
    const calls = h.admin
      .events()
      .filter((e) => e.type === 'api.call')
      .map((e) => Date.parse(e.at));
    const windowMs = 2000;
    const most = Math.max(...calls.map((t) => calls.filter((u) => u >= t && u < t + windowMs).length));
    expect(calls.length).toBeGreaterThan(40);
    expect(most).toBeLessThanOrEqual(budget.burst + budget.requestsPerSecond * (windowMs / 1000) + 1);
  });
});

describe('deadlines and terminal states (P6)', () => {
  it('on an upload deadline keeps the servers stopped until the disk is released, then restarts them and reports the image', async () => {
    const { serverId, volumeId } = oneServerDisk();
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId, imageName: 'slow', deadlines: { uploadMs: 1500 } });
      await until(async () => (await handle.query(progressQuery)).phase === 'compensating', 'compensation');
      // The deadline passed but the disk is still uploading: P1 keeps the server stopped.
      expect(serverStatus(serverId)).toEqual({ status: 'SHUTOFF', taskState: null });
      const imageId = h.admin.oracle().exports[0].imageId;
      h.admin.advance({ kind: 'upload', id: volumeId });
      const cause = await failureOf(handle.result());
      expect(cause.type).toBe(FailureType.DeadlineExceeded);
      expect(cause.message).toContain('deadlines.uploadMs = 1500 ms');
      expect(cause.message).toContain(`image ${imageId} is`);
      expect(cause.message).toContain('servers restarted: app');
    });
    expect(serverStatus(serverId).status).toBe('ACTIVE');
  });

  it('fails at once when the disk turns to error during the upload, and restarts the servers', async () => {
    const { serverId, volumeId } = oneServerDisk();
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId, imageName: 'disk-error' });
      await event(h.admin, 'volume.uploading');
      h.admin.patchVolume(volumeId, { status: 'error' });
      const cause = await failureOf(handle.result());
      expect(cause.type).toBe(FailureType.VolumeFailed);
      expect(cause.message).toContain('"error"');
    });
    expect(serverStatus(serverId).status).toBe('ACTIVE');
  });
});

describe('cancel (P2)', () => {
  async function cancelledRun(setup: () => void, waitFor: (handle: ExportHandle) => Promise<unknown>, requireApproval = false) {
    const s = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }, { name: 'off', status: 'SHUTOFF' }],
      volumes: [{ name: 'd', size: 5, multiattach: true, attachedTo: ['a', 'b', 'off'] }],
    });
    const volumeId = s.volumes[0].id;
    setup();
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId, imageName: `cancel-${randomUUID().slice(0, 8)}`, requireApproval });
      await waitFor(handle);
      await handle.cancel();
      await afterCancel(handle, volumeId);
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.query(progressQuery)).phase).toBe('cancelled');
    });
    return s;
  }
  let afterCancel: (handle: ExportHandle, volumeId: string) => Promise<void> = async () => undefined;
  beforeEach(() => {
    afterCancel = async () => undefined;
  });

  it('while awaiting approval: nothing was touched', async () => {
    const s = await cancelledRun(
      () => undefined,
      (handle) => until(async () => (await handle.query(progressQuery)).phase === 'awaiting-approval', 'approval phase'),
      true,
    );
    for (const srv of s.servers) expect(h.admin.oracle().servers[srv.id].stops).toBe(0);
    expect(h.admin.oracle().exports).toEqual([]);
  });

  it('while stopping: the servers are started again', async () => {
    h.admin.setConfig({ timings: { stopMs: null } });
    afterCancel = async (handle) => {
      // The stops are still running in the cloud; let them finish so the compensation can start the servers.
      await until(async () => {
        for (const p of h.admin.state().pending.filter((x) => x.kind === 'stop')) h.admin.advance({ kind: 'stop', id: p.id });
        return (await handle.describe()).status.name !== 'RUNNING';
      }, 'the run to end');
    };
    const s = await cancelledRun(
      () => undefined,
      () => event(h.admin, 'server.stopping'),
    );
    const [a, b, off] = s.servers;
    expect(serverStatus(a.id).status).toBe('ACTIVE');
    expect(serverStatus(b.id).status).toBe('ACTIVE');
    expect(serverStatus(off.id).status).toBe('SHUTOFF');
    expect(h.admin.oracle().exports).toEqual([]);
  });

  it('while uploading: the servers stay stopped until the disk is released, then start; the image is left to finish', async () => {
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    afterCancel = async (handle, volumeId) => {
      await until(async () => (await handle.query(progressQuery)).phase === 'compensating', 'compensation');
      for (const srv of h.admin.state().servers.filter((x) => x.name !== 'off'))
        expect(serverStatus(String(srv.id)).status).toBe('SHUTOFF');
      h.admin.advance({ kind: 'upload', id: volumeId });
    };
    const s = await cancelledRun(
      () => undefined,
      () => event(h.admin, 'volume.uploading'),
    );
    expect(serverStatus(s.servers[0].id).status).toBe('ACTIVE');
    expect(serverStatus(s.servers[1].id).status).toBe('ACTIVE');
    expect(serverStatus(s.servers[2].id).status).toBe('SHUTOFF');
    expect(h.admin.oracle().exports).toHaveLength(1);
  });

  it('while restarting: the restart completes regardless', async () => {
    h.admin.setConfig({ timings: { startMs: null } });
    afterCancel = async () => {
      await until(() => h.admin.state().pending.filter((p) => p.kind === 'start').length === 2, 'two pending starts');
      for (const p of h.admin.state().pending.filter((x) => x.kind === 'start')) h.admin.advance({ kind: 'start', id: p.id });
    };
    const s = await cancelledRun(
      () => undefined,
      () => event(h.admin, 'server.starting'),
    );
    expect(serverStatus(s.servers[0].id).status).toBe('ACTIVE');
    expect(serverStatus(s.servers[1].id).status).toBe('ACTIVE');
  });

  it('approve is accepted once, then refused by the validator', async () => {
    const { volumeId } = oneServerDisk();
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId, imageName: 'approve-late', requireApproval: true });
      await until(async () => (await handle.query(progressQuery)).phase === 'awaiting-approval', 'approval phase');
      const done = await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] });
      expect(done.approvedBy).toBe('ops');
      const again = await handle.executeUpdate(approveUpdate, { args: [{ by: 'ops' }] }).catch((e: unknown) => e);
      const rejection = (again as Error).cause as Error & { type?: string; nonRetryable?: boolean };
      expect(rejection.message).toContain('nothing to approve');
      expect(rejection).toMatchObject({ type: FailureType.NothingToApprove, nonRetryable: true });
      await handle.result();
    });
  });
});

describe('polling cost (P8)', () => {
  it('reports the API calls of the run, matching what the cloud counted', async () => {
    const { volumeId } = oneServerDisk();
    const result = await h.withWorker(async (tq) => (await startExport(h.client, tq, { volumeId, imageName: 'cost' })).result());
    const counted = h.admin.oracle().apiCalls.byOp;
    // Every read of every wait is in the run's figures, and the calls its holds made; the cloud also sees tokens.
    for (const op of ['evs.getVolume', 'ecs.getServer', 'ecs.getJob', 'ecs.stop', 'ecs.start', 'ims.getImage', 'ims.listImages']) {
      expect([op, result.apiCalls[op]]).toEqual([op, counted[op]]);
    }
    expect(result.apiCalls['evs.uploadImage']).toBe(1);
  });
});
