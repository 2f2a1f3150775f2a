// The snapshot strategy (strategy: 'snapshot'): the servers are down only while a snapshot is taken; a temporary
// disk made from it is exported and, like the snapshot, deleted when the run ends — on success, failure and cancel.
// Every resource the run creates is created once (a lost answer is adopted by the run's name), and the oracle
// reports anything left behind (expectCleanOracle, after every test).
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import type { exportServerDisks } from '../../src/workflows';
import { type ExportDiskResult, exportServerWorkflowId, FailureType, progressQuery, sourceVolumeTag } from '../../src/workflows/api';
import { failureOf, until, useHarness } from './harness';

const h = useHarness();

function runExport(input: Record<string, unknown>): Promise<ExportDiskResult> {
  return h.withWorker(async (tq) => (await startExport(h.client, tq, { strategy: 'snapshot', ...input })).result());
}

const events = (type: string) => h.admin.events().filter((e) => e.type === type);
const firstAt = (type: string, match: (e: Record<string, unknown>) => boolean = () => true) => {
  const e = h.admin.events().find((x) => x.type === type && match(x));
  return e ? e.seq : Infinity;
};
const lastAt = (type: string, match: (e: Record<string, unknown>) => boolean = () => true) =>
  Math.max(
    -1,
    ...h.admin
      .events()
      .filter((x) => x.type === type && match(x))
      .map((x) => x.seq),
  );
const status = (id: string) => String(h.admin.state().servers.find((s) => s.id === id)!.status);

/** Every running server started again before the upload began, and the upload read the temporary disk. */
function expectServersBackBeforeUpload(r: ExportDiskResult, serverIds: string[]): void {
  const upload = firstAt('volume.uploading');
  expect(upload).toBeLessThan(Infinity);
  for (const id of serverIds) expect(lastAt('server.started', (e) => e.serverId === id)).toBeLessThan(upload);
  expect(events('volume.uploading').map((e) => e.volumeId)).toEqual([r.temporary!.volumeId]);
}

function expectCreatedAndDeletedOnce(r: ExportDiskResult): void {
  const t = r.temporary!;
  expect(t.snapshotId && t.volumeId).toBeTruthy();
  expect(t.snapshotCreatedAt && t.snapshotDeletedAt && t.volumeCreatedAt && t.volumeDeletedAt).toBeTruthy();
  expect(events('snapshot.created')).toHaveLength(1);
  expect(events('volume.created')).toHaveLength(1);
  expect(h.admin.oracle().leftovers).toEqual([]);
}

describe('snapshot strategy: the servers are down only while the snapshot is taken', () => {
  it('an in-use disk: the server restarts before the upload; the snapshot and the copy are deleted', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 20, attachedTo: ['app'] }] });
    const r = await runExport({ volumeId: s.volumes[0].id, imageName: 'snap-in-use' });

    expect(r).toMatchObject({ imageStatus: 'active', strategy: 'snapshot' });
    expect(r.servers[0]).toMatchObject({ state: 'restarted', wasRunning: true });
    expectServersBackBeforeUpload(r, [s.servers[0].id]);
    expectCreatedAndDeletedOnce(r);
    expect(h.admin.oracle().servers[s.servers[0].id]).toMatchObject({ stops: 1, starts: 1 });
    // The snapshot of an in-use disk needs force; its image names the copy as its origin, and the tag the source.
    const image = h.admin.state().images.find((i) => i.id === r.imageId)!;
    expect(image.tags).toContain(sourceVolumeTag(s.volumes[0].id));
  });

  it('a shared disk on two servers: each stops once and is back before the upload', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }],
      volumes: [{ name: 'shared', size: 10, multiattach: true, attachedTo: ['a', 'b'] }],
    });
    const r = await runExport({ volumeId: s.volumes[0].id, imageName: 'snap-shared' });
    const ids = s.servers.map((x) => x.id);
    expectServersBackBeforeUpload(r, ids);
    expectCreatedAndDeletedOnce(r);
    for (const id of ids) expect(h.admin.oracle().servers[id]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('a bootable system disk: the copy keeps its image metadata, so the image keeps its OS type', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'win' }],
      volumes: [
        { name: 'sys', size: 40, bootable: true, attachedTo: ['win'], volumeImageMetadata: { __os_type: 'Windows', image_id: 'base' } },
      ],
    });
    const r = await runExport({ volumeId: s.volumes[0].id, imageName: 'snap-system' });
    expectCreatedAndDeletedOnce(r);
    const image = h.admin.state().images.find((i) => i.id === r.imageId)!;
    expect(String(image.__os_type ?? image.osType)).toMatch(/windows/i);
  });

  it('an available disk: no server involved, and nothing left', async () => {
    const s = h.admin.seed({ servers: [{ name: 'bystander' }], volumes: [{ name: 'loose', size: 5 }] });
    const r = await runExport({ volumeId: s.volumes[0].id, imageName: 'snap-available' });
    expect(r.servers).toEqual([]);
    expectCreatedAndDeletedOnce(r);
    expect(h.admin.oracle().servers[s.servers[0].id]).toMatchObject({ stops: 0, starts: 0 });
  });

  it('stopServers: false touches no server (crash-consistent), and the plan says so', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, {
        volumeId: s.volumes[0].id,
        imageName: 'snap-no-stop',
        strategy: 'snapshot',
        stopServers: false,
      });
      const r = await handle.result();
      expect(r.servers[0]).toMatchObject({ state: 'untouched' });
      const plan = (await handle.query(progressQuery)).plan!;
      expect(plan.toStop).toEqual([]);
      expect(plan.notes.join(' ')).toMatch(/crash-consistent/);
      expectCreatedAndDeletedOnce(r);
    });
    expect(h.admin.oracle().servers[s.servers[0].id]).toMatchObject({ stops: 0, starts: 0 });
  });

  it('the plan shows both strategies’ expected downtime and which one runs', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'big', size: 1000, attachedTo: ['app'] }] });
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, {
        volumeId: s.volumes[0].id,
        imageName: 'snap-plan',
        strategy: 'snapshot',
        requireApproval: true,
      });
      const p = await until(async () => {
        const x = await handle.query(progressQuery);
        return x.phase === 'awaiting-approval' ? x : undefined;
      }, 'the plan');
      expect(p.plan!.strategy).toBe('snapshot');
      expect(p.plan!.downtime.directMs).toBeGreaterThan(10 * p.plan!.downtime.snapshotMs);
      expect(p.plan!.notes[0]).toMatch(/direct about .*snapshot about .*this run uses snapshot/);
      await handle.cancel();
      await failureOf(handle.result()).catch(() => undefined);
    });
  });
});

describe('snapshot strategy: every resource once, nothing left behind', () => {
  it('a lost answer to the snapshot create and to the disk create: one of each is ever created', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    h.admin.addFault({ op: 'evs.createSnapshot', kind: 'lost-response' });
    h.admin.addFault({ op: 'evs.createVolume', kind: 'lost-response' });
    const r = await runExport({ volumeId: s.volumes[0].id, imageName: 'snap-lost' });
    expect(h.admin.oracle().apiCalls.byOp['evs.createSnapshot']).toBe(1);
    expect(h.admin.oracle().apiCalls.byOp['evs.createVolume']).toBe(1);
    expectCreatedAndDeletedOnce(r);
  });

  it('the snapshot fails in the cloud: SnapshotFailed names the step; the server runs; nothing is left', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    h.admin.addFault({ op: 'evs.createSnapshot', kind: 'create-fail' });
    const f = await failureOf(runExport({ volumeId: s.volumes[0].id, imageName: 'snap-fails' }));
    expect(f.type).toBe(FailureType.SnapshotFailed);
    expect(f.message).toMatch(/taking the snapshot failed/);
    expect(status(s.servers[0].id)).toBe('ACTIVE');
    expect(h.admin.oracle().leftovers).toEqual([]);
  });

  it('the temporary disk fails in the cloud: SnapshotFailed names the step; nothing is left', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    h.admin.addFault({ op: 'evs.createVolume', kind: 'create-fail' });
    const f = await failureOf(runExport({ volumeId: s.volumes[0].id, imageName: 'copy-fails' }));
    expect(f.type).toBe(FailureType.SnapshotFailed);
    expect(f.message).toMatch(/making the temporary disk failed/);
    expect(status(s.servers[0].id)).toBe('ACTIVE');
    expect(events('snapshot.deleted')).toHaveLength(1);
    expect(h.admin.oracle().leftovers).toEqual([]);
  });

  it('the upload is killed: ImageFailed; the copy and the snapshot are deleted', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });
    const f = await failureOf(runExport({ volumeId: s.volumes[0].id, imageName: 'snap-killed' }));
    expect(f.type).toBe(FailureType.ImageFailed);
    expect(status(s.servers[0].id)).toBe('ACTIVE');
    expect(h.admin.oracle().leftovers).toEqual([]);
  });

  it('the upload misses its deadline: the copy is deleted once the cloud lets it (after the upload)', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    h.admin.setConfig({ timings: { uploadBaseMs: 4000 } });
    const f = await failureOf(runExport({ volumeId: s.volumes[0].id, imageName: 'snap-late', deadlines: { uploadMs: 1500 } }));
    expect(f.type).toBe(FailureType.DeadlineExceeded);
    expect(status(s.servers[0].id)).toBe('ACTIVE');
    // The delete was refused while the copy uploaded, and asked for again until it ran.
    expect(firstAt('volume.deleted')).toBeGreaterThan(firstAt('volume.released'));
    expect(h.admin.oracle().leftovers).toEqual([]);
  });

  it('a quota refusal: QuotaExceeded once the server runs again, nothing left', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    h.admin.setConfig({ quotas: { snapshots: 0 } });
    const f = await failureOf(runExport({ volumeId: s.volumes[0].id, imageName: 'snap-quota' }));
    expect(f.type).toBe(FailureType.QuotaExceeded);
    expect(status(s.servers[0].id)).toBe('ACTIVE');
    expect(h.admin.oracle().leftovers).toEqual([]);
  });

  for (const phase of ['snapshotting', 'uploading'] as const) {
    it(`a cancel while ${phase}: the server runs, nothing is left`, async () => {
      const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
      h.admin.setConfig({ timings: phase === 'snapshotting' ? { snapshotMs: null } : { uploadBaseMs: null } });
      await h.withWorker(async (tq) => {
        const handle = await startExport(h.client, tq, { volumeId: s.volumes[0].id, imageName: `cancel-${phase}`, strategy: 'snapshot' });
        await until(async () => (await handle.query(progressQuery)).phase === phase, phase);
        // The phase is set before its request goes out: cancel once the cloud has the step in hand.
        const kind = phase === 'snapshotting' ? 'snapshot' : 'upload';
        await until(async () => h.admin.state().pending.some((p) => p.kind === kind), `the cloud's ${kind}`);
        await handle.cancel();
        // Let the held transition end, as the cloud's would: the removal waits for it.
        for (const p of h.admin.state().pending)
          if (p.kind === 'snapshot' || p.kind === 'upload') h.admin.advance({ kind: p.kind, id: p.id });
        await handle.result().catch(() => undefined);
        expect((await handle.query(progressQuery)).phase).toBe('cancelled');
      });
      expect(status(s.servers[0].id)).toBe('ACTIVE');
      expect(h.admin.oracle().leftovers).toEqual([]);
    });
  }

  it('two snapshot exports of disks that share a server: it stops once', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app' }],
      volumes: [
        { name: 'd1', size: 10, attachedTo: ['app'] },
        { name: 'd2', size: 10, attachedTo: ['app'] },
      ],
    });
    await h.withWorker(async (tq) => {
      const handles = await Promise.all(
        s.volumes.map((v, i) => startExport(h.client, tq, { volumeId: v.id, imageName: `pair-${i}`, strategy: 'snapshot' })),
      );
      await Promise.all(handles.map((x) => x.result()));
    });
    expect(h.admin.oracle().servers[s.servers[0].id]).toMatchObject({ stops: 1, starts: 1 });
    expect(events('snapshot.created')).toHaveLength(2);
  });

  it('a whole-server export: every disk’s snapshot under one stop; the server runs while the copies upload', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'web' }],
      volumes: [
        { name: 'web-sys', size: 20, bootable: true, attachedTo: ['web'] },
        { name: 'web-data', size: 30, attachedTo: ['web'] },
      ],
    });
    const web = s.servers[0].id;
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    const r = await h.withWorker(async (tq) => {
      const handle = await h.client.workflow.start<typeof exportServerDisks>('exportServerDisks', {
        taskQueue: tq,
        workflowId: exportServerWorkflowId(web),
        args: [{ serverId: web, strategy: 'snapshot' }],
      });
      // Both copies upload (held by the simulator until advanced) while the server is back.
      await until(() => h.admin.state().pending.filter((p) => p.kind === 'upload').length === 2, 'both copies uploading');
      await until(() => status(web) === 'ACTIVE', 'the server running again');
      for (const p of h.admin.state().pending.filter((x) => x.kind === 'upload')) h.admin.advance({ kind: 'upload', id: p.id });
      return handle.result();
    });
    expect(r.images).toHaveLength(2);
    expect(h.admin.oracle().servers[web]).toMatchObject({ stops: 1, starts: 1 });
    expect(events('snapshot.created')).toHaveLength(2);
    expect(h.admin.oracle().leftovers).toEqual([]);
  });
});
