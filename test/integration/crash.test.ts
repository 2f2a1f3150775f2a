// Crash and resume (P2, P3): the worker runs as a child process and is killed with SIGKILL at a phase boundary
// chosen by the test; a new worker finishes the run. The same for the Temporal dev server itself, killed and
// restarted on its SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { startDevServer } from '../../src/dev/dev-server';
import { spawnWorker, type WorkerProcess } from '../../src/dev/worker-process';
import { type ExportHandle, startExport } from '../../src/export-client';
import type { ExportDiskResult } from '../../src/workflows/api';
import { useHarness, event, FAST_POLL, until } from './harness';

const h = useHarness();
const workers: WorkerProcess[] = [];
afterAll(() => Promise.all(workers.map((w) => w.kill())));

function worker(taskQueue: string, temporalAddress = h.address): WorkerProcess {
  const w = spawnWorker({ temporalAddress, taskQueue, cloudEnv: h.sim.cloudEnv, poll: FAST_POLL });
  workers.push(w);
  return w;
}

function sharedDisk() {
  const s = h.admin.seed({
    servers: [{ name: 'a' }, { name: 'b' }, { name: 'off', status: 'SHUTOFF' }],
    volumes: [{ name: 'd', size: 10, multiattach: true, attachedTo: ['a', 'b', 'off'] }],
  });
  return { volumeId: s.volumes[0].id, running: [s.servers[0].id, s.servers[1].id], stopped: s.servers[2].id };
}

function advanceAll(kind: 'stop' | 'start' | 'upload' | 'snapshot'): void {
  for (const p of h.admin.state().pending.filter((x) => x.kind === kind)) h.admin.advance({ kind, id: p.id });
}

/** Starts an export on a child worker, kills it at `killAt`, runs `whileDown`, then lets a new worker finish. */
async function crashAndResume(
  killAt: (handle: ExportHandle, volumeId: string) => Promise<unknown>,
  whileDown: (handle: ExportHandle, volumeId: string) => Promise<unknown> = async () => undefined,
  afterRestart: (handle: ExportHandle, volumeId: string) => Promise<unknown> = async () => undefined,
  input: Record<string, unknown> = {},
): Promise<{ result: ExportDiskResult; running: string[]; stopped: string }> {
  const disk = sharedDisk();
  const taskQueue = `crash-${randomUUID()}`;
  const first = worker(taskQueue);
  await first.ready;
  const handle = await startExport(h.client, taskQueue, {
    volumeId: disk.volumeId,
    imageName: `crash-${randomUUID().slice(0, 8)}`,
    ...input,
  });
  await killAt(handle, disk.volumeId);
  await first.kill('SIGKILL');
  await whileDown(handle, disk.volumeId);
  const second = worker(taskQueue);
  await second.ready;
  await afterRestart(handle, disk.volumeId);
  const result = await handle.result();
  await second.kill('SIGTERM');
  return { result, ...disk };
}

function expectOneCleanExport(r: { result: ExportDiskResult; running: string[]; stopped: string }): void {
  expect(r.result.imageStatus).toBe('active');
  const o = h.admin.oracle();
  expect(o.apiCalls.byOp['evs.uploadImage']).toBe(1);
  expect(o.exports).toHaveLength(1);
  for (const id of r.running) expect(o.servers[id]).toMatchObject({ stops: 1, starts: 1 });
  expect(o.servers[r.stopped]).toMatchObject({ stops: 0, starts: 0 });
  for (const id of r.running) expect(r.result.servers.find((s) => s.serverId === id)?.state).toBe('restarted');
}

describe('a worker killed with SIGKILL', () => {
  it('during the stop: the next worker follows the stop instead of stopping again', async () => {
    h.admin.setConfig({ timings: { stopMs: null } });
    const r = await crashAndResume(
      () => until(() => h.admin.state().pending.filter((p) => p.kind === 'stop').length === 2, 'both stops in progress'),
      async () => advanceAll('stop'),
    );
    expectOneCleanExport(r);
    // One stop request per server (each server's hold), none repeated by the next worker.
    expect(h.admin.oracle().apiCalls.byOp['ecs.stop']).toBe(2);
  });

  it('right after the export call: the next worker adopts the export instead of exporting again', async () => {
    const r = await crashAndResume(() => event(h.admin, 'volume.uploading'));
    expectOneCleanExport(r);
  });

  it('during the upload: the next worker goes on with the same wait (its reads are attempts of one activity)', async () => {
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    const waitAttempt = async (handle: ExportHandle) =>
      (await handle.describe()).raw.pendingActivities?.find((p) => p.activityType?.name === 'awaitVolumeReleased')?.attempt ?? 0;
    let atCrash = 0;
    const r = await crashAndResume(
      async (handle) => {
        await event(h.admin, 'volume.uploading');
        atCrash = await until(async () => {
          const n = await waitAttempt(handle);
          return n >= 3 ? n : 0;
        }, 'a few reads of the disk');
      },
      undefined,
      async (handle, volumeId) => {
        await until(async () => (await waitAttempt(handle)) > atCrash + 1, 'the next worker to read the disk again', 45_000);
        h.admin.advance({ kind: 'upload', id: volumeId });
      },
    );
    expectOneCleanExport(r);
  });

  it('during the restart: the next worker finishes starting exactly the servers that were running', async () => {
    h.admin.setConfig({ timings: { startMs: null } });
    const r = await crashAndResume(
      () => until(() => h.admin.state().pending.filter((p) => p.kind === 'start').length === 2, 'both starts in progress'),
      async () => advanceAll('start'),
    );
    expectOneCleanExport(r);
    expect(h.admin.oracle().apiCalls.byOp['ecs.start']).toBe(2);
  });
});

describe('a worker killed with SIGKILL, snapshot strategy', () => {
  const snapshot = { strategy: 'snapshot' };
  function expectOneOfEach(r: { result: ExportDiskResult; running: string[]; stopped: string }): void {
    expectOneCleanExport(r);
    const count = (type: string) => h.admin.events().filter((e) => e.type === type).length;
    expect(count('snapshot.created')).toBe(1);
    expect(count('volume.created')).toBe(1);
    expect(r.result.temporary).toMatchObject({ snapshotDeletedAt: expect.any(String), volumeDeletedAt: expect.any(String) });
    expect(h.admin.oracle().leftovers).toEqual([]);
  }

  it('after the snapshot was requested: the next worker adopts it, and the run completes', async () => {
    h.admin.setConfig({ timings: { snapshotMs: null } });
    const r = await crashAndResume(
      () => event(h.admin, 'snapshot.created'),
      async () => advanceAll('snapshot'),
      undefined,
      snapshot,
    );
    expectOneOfEach(r);
  });

  it('after the temporary disk became available: the next worker exports it, and deletes both', async () => {
    const r = await crashAndResume(() => event(h.admin, 'volume.available'), undefined, undefined, snapshot);
    expectOneOfEach(r);
  });
});

describe('the Temporal server killed and restarted on its SQLite file', () => {
  it('finishes the run correctly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evs-export-'));
    const dbFile = join(dir, 'temporal.db');
    let server = await startDevServer({ dbFile });
    const port = Number(server.address.split(':')[1]);
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    try {
      h.admin.setConfig({ timings: { uploadBaseMs: null } });
      const disk = sharedDisk();
      const taskQueue = `server-crash-${randomUUID()}`;
      let w = worker(taskQueue, server.address);
      await w.ready;
      const handle = await startExport(client, taskQueue, { volumeId: disk.volumeId, imageName: 'server-crash' });
      await event(h.admin, 'volume.uploading');

      await server.kill();
      server = await startDevServer({ dbFile, port });
      // The worker may have given up on the lost server; one on the restarted server takes over either way.
      if (w.child.exitCode !== null || w.child.signalCode !== null) {
        w = worker(taskQueue, server.address);
        await w.ready;
      }
      h.admin.advance({ kind: 'upload', id: disk.volumeId });
      const result = await handle.result();
      await w.kill('SIGTERM');
      expectOneCleanExport({ result, ...disk });
    } finally {
      await connection.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
