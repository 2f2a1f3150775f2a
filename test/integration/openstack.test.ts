// The whole saga against a vanilla OpenStack cloud: the simulator in its openstack dialect (a catalog with
// identity, volumev3, compute, image — no ecs/evs), the client in the openstack profile it detects from that
// catalog (Cinder v3, Nova v2.1 per-server os-stop/os-start read back through made-up jobs, Glance v2), a real
// Temporal dev server. The saga, holds and promises are the OTC ones; only the dialect differs. Every test ends
// with the oracle's check (useHarness: no P1 violation, every server restored, no duplicate export, no leftovers).
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import { type ExportDiskResult, FailureType, progressQuery, sourceVolumeTag } from '../../src/workflows/api';
import { event, failureOf, until, useHarness } from './harness';

// Forced uploads allowed (Cinder's `enable_force_upload = True`), as a direct export of an in-use disk needs;
// the tests of a cloud without it turn it off (a reset restores it).
const h = useHarness({ sim: { dialect: 'openstack', config: { allowForcedUpload: true } } });

// A run that names no format gets the cloud's own default (raw on Cinder, not OTC's zvhd2).
function runExport(input: Record<string, unknown>): Promise<ExportDiskResult> {
  return h.withWorker(async (tq) => (await startExport(h.client, tq, input)).result());
}

const server = (id: string) => h.admin.state().servers.find((s) => s.id === id)!;
const calls = () => h.admin.events().filter((e) => e.type === 'api.call') as unknown as { op: string; path: string; status: number }[];

/** Every call went to the vanilla services' paths, none to OTC's (`/evs`, `/ecs`, `/ims`). */
function expectVanillaCallsOnly(): void {
  const services = calls().filter((c) => c.op !== 'keystone.token');
  expect(services.length).toBeGreaterThan(0);
  for (const c of services) expect(c.path).toMatch(/^\/(volume\/v3|compute\/v2\.1|image\/v2)\//);
}

describe('openstack profile: the saga on Cinder v3, Nova v2.1 and Glance v2', () => {
  it('an in-use disk: Nova stops its server, Cinder exports with force, Nova starts it; Glance image active and tagged', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'sys', size: 20, bootable: true, attachedTo: ['app'] }] });
    const [srv] = seeded.servers;
    const [vol] = seeded.volumes;

    const r = await runExport({ volumeId: vol.id, imageName: 'os-in-use', tags: ['golden'], diskFormat: 'qcow2' });

    expect(r).toMatchObject({ imageStatus: 'active', adopted: false, jobFailures: [] });
    expect(r.servers).toEqual([expect.objectContaining({ serverId: srv.id, wasRunning: true, state: 'restarted' })]);
    const o = h.admin.oracle();
    expect(o.exports).toEqual([expect.objectContaining({ volumeId: vol.id, imageId: r.imageId, force: true, imageStatus: 'active' })]);
    expect(o.servers[srv.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(server(srv.id).status).toBe('ACTIVE');
    const image = await h.cloud.ims.getImage(r.imageId);
    expect(image).toMatchObject({
      name: 'os-in-use',
      status: 'active',
      tags: ['golden', sourceVolumeTag(vol.id)],
      diskFormat: 'qcow2',
      visibility: 'private',
    });
    // One os-stop and one os-start, each answered 202; the made-up jobs cost reads of the server, no job API.
    const power = calls().filter((c) => c.op === 'ecs.stop' || c.op === 'ecs.start');
    expect(power.map((c) => [c.op, c.path, c.status])).toEqual([
      ['ecs.stop', `/compute/v2.1/servers/${srv.id}/action`, 202],
      ['ecs.start', `/compute/v2.1/servers/${srv.id}/action`, 202],
    ]);
    expect(o.apiCalls.byOp['ecs.getJob'] ?? 0).toBe(0);
    expect(
      calls()
        .filter((c) => c.op === 'evs.uploadImage')
        .map((c) => c.path),
    ).toEqual([`/volume/v3/${h.admin.account.projectId}/volumes/${vol.id}/action`]);
    expectVanillaCallsOnly();
  });

  it("a run that names no format exports Cinder's raw; an OTC-only format is refused before any server stops", async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 5, attachedTo: ['app'] }] });
    const volumeId = seeded.volumes[0].id;
    const r = await runExport({ volumeId, imageName: 'os-default-format' });
    expect((await h.cloud.ims.getImage(r.imageId)).diskFormat).toBe('raw');
    // Cinder's own formats beyond OTC's are exported as named.
    const vmdk = await runExport({ volumeId, imageName: 'os-vmdk', diskFormat: 'vmdk' });
    expect((await h.cloud.ims.getImage(vmdk.imageId)).diskFormat).toBe('vmdk');

    const stopsBefore = h.admin.events().filter((e) => e.type === 'server.stopping').length;
    const f = await failureOf(runExport({ volumeId, imageName: 'os-zvhd2', diskFormat: 'zvhd2' }));
    expect(f.type).toBe(FailureType.InvalidInput);
    expect(f.message).toMatch(/diskFormat: "zvhd2" is an Open Telekom Cloud format; .* raw, qcow2/);
    expect(h.admin.events().filter((e) => e.type === 'server.stopping').length).toBe(stopsBefore);
  });

  it('a re-run finds its image by the source tag (Glance records no origin); a same-named image of someone else is refused', async () => {
    const seeded = h.admin.seed({
      servers: [{ name: 'app' }],
      volumes: [{ name: 'data', size: 5, attachedTo: ['app'] }],
      images: [{ name: 'taken' }],
    });
    const volumeId = seeded.volumes[0].id;
    const first = await runExport({ volumeId, imageName: 'os-rerun' });
    const again = await runExport({ volumeId, imageName: 'os-rerun' });
    expect(again).toMatchObject({ imageId: first.imageId, adopted: true });

    const stopsBefore = h.admin.events().filter((e) => e.type === 'server.stopping').length;
    const f = await failureOf(runExport({ volumeId, imageName: 'taken' }));
    expect(f.type).toBe(FailureType.InvalidInput);
    expect(f.message).toMatch(
      /imageName: "taken" is already the name of image \S+, not made by an export of this disk; choose another name/,
    );
    expect(h.admin.events().filter((e) => e.type === 'server.stopping').length).toBe(stopsBefore);
  });

  it('a shared disk of two servers: both are stopped before the export and started after it', async () => {
    const seeded = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }],
      volumes: [{ name: 'shared', size: 10, multiattach: true, attachedTo: ['a', 'b'] }],
    });
    const [a, b] = seeded.servers;

    const r = await runExport({ volumeId: seeded.volumes[0].id, imageName: 'os-shared', diskFormat: 'raw' });

    expect(r.imageStatus).toBe('active');
    const byId = Object.fromEntries(r.servers.map((s) => [s.serverId, s]));
    expect(byId[a.id]).toMatchObject({ wasRunning: true, state: 'restarted' });
    expect(byId[b.id]).toMatchObject({ wasRunning: true, state: 'restarted' });
    const o = h.admin.oracle();
    expect(o.servers[a.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(o.servers[b.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(o.exports).toEqual([expect.objectContaining({ force: true, imageStatus: 'active' })]);
    // The upload began only once both servers were SHUTOFF (the oracle's P1 check says the same, afterEach).
    const uploading = h.admin.events().find((e) => e.type === 'volume.uploading')!.seq;
    for (const id of [a.id, b.id]) {
      const stopped = h.admin.events().find((e) => e.type === 'server.stopped' && e.serverId === id)!.seq;
      expect(stopped).toBeLessThan(uploading);
    }
    expectVanillaCallsOnly();
  });

  it("Nova's 409 on a server someone else is already stopping (and starting) is read back, not failed", async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    const [srv] = seeded.servers;
    // Someone else's os-stop (and later os-start) lands just before ours: ours meets task_state powering-off.
    h.admin.addFault({ op: 'ecs.stop', target: srv.id, kind: 'conflict' });
    h.admin.addFault({ op: 'ecs.start', target: srv.id, kind: 'conflict' });

    const r = await runExport({ volumeId: seeded.volumes[0].id, imageName: 'os-conflict' });

    expect(r.imageStatus).toBe('active');
    expect(r.jobFailures).toEqual([]);
    expect(r.servers[0]).toMatchObject({ serverId: srv.id, wasRunning: true, state: 'restarted' });
    const power = calls().filter((c) => c.op === 'ecs.stop' || c.op === 'ecs.start');
    expect(power.map((c) => [c.op, c.status])).toEqual([
      ['ecs.stop', 409],
      ['ecs.start', 409],
    ]);
    // One stop and one start happened (the other client's), and the export ran in between.
    expect(h.admin.oracle().servers[srv.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(server(srv.id).status).toBe('ACTIVE');
    expect(h.admin.faults()).toEqual([]);
  });

  it('a Glance image that ends killed fails the run with the image id; the server is started again', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    const [srv] = seeded.servers;
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });

    const cause = await failureOf(runExport({ volumeId: seeded.volumes[0].id, imageName: 'os-killed' }));

    expect(cause.type).toBe(FailureType.ImageFailed);
    const imageId = h.admin.oracle().exports[0].imageId;
    expect(cause.message).toContain(imageId);
    expect(cause.message).toMatch(/killed|gone/);
    expect(h.admin.oracle().servers[srv.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(server(srv.id).status).toBe('ACTIVE');
  });

  it('cancelled during the upload: the servers stay stopped until Cinder releases the disk, then start', async () => {
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    const seeded = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }, { name: 'off', status: 'SHUTOFF' }],
      volumes: [{ name: 'd', size: 5, multiattach: true, attachedTo: ['a', 'b', 'off'] }],
    });
    const [a, b, off] = seeded.servers;
    const volumeId = seeded.volumes[0].id;

    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId, imageName: `os-cancel-${randomUUID().slice(0, 8)}`, diskFormat: 'raw' });
      await event(h.admin, 'volume.uploading');
      await handle.cancel();
      await until(async () => (await handle.query(progressQuery)).phase === 'compensating', 'compensation');
      expect(server(a.id).status).toBe('SHUTOFF');
      expect(server(b.id).status).toBe('SHUTOFF');
      h.admin.advance({ kind: 'upload', id: volumeId });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.query(progressQuery)).phase).toBe('cancelled');
    });

    expect(server(a.id).status).toBe('ACTIVE');
    expect(server(b.id).status).toBe('ACTIVE');
    expect(server(off.id).status).toBe('SHUTOFF');
    expect(h.admin.oracle().servers[off.id]).toMatchObject({ stops: 0, starts: 0 });
    expect(h.admin.oracle().exports).toHaveLength(1);
    expectVanillaCallsOnly();
  });
});

describe('openstack profile: a cloud that does not allow forced uploads (Cinder default)', () => {
  it('the direct export of an in-use disk fails with words that name enable_force_upload; the server is started again', async () => {
    h.admin.setConfig({ allowForcedUpload: false });
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    const [srv] = seeded.servers;

    const cause = await failureOf(runExport({ volumeId: seeded.volumes[0].id, imageName: 'os-no-force' }));

    expect(cause.type).toBe(FailureType.CloudRejected);
    expect(cause.message).toContain('status must be available');
    expect(cause.message).toContain('does not allow forced uploads');
    expect(cause.message).toContain('enable_force_upload');
    expect(cause.message).toContain('snapshot strategy');
    expect(h.admin.oracle().exports).toEqual([]);
    expect(h.admin.oracle().servers[srv.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(server(srv.id).status).toBe('ACTIVE');
  });

  it("the snapshot strategy needs no force: Cinder's snapshot and a temporary disk are exported, then deleted", async () => {
    h.admin.setConfig({ allowForcedUpload: false });
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    const [srv] = seeded.servers;

    const r = await runExport({ volumeId: seeded.volumes[0].id, imageName: 'os-snapshot', strategy: 'snapshot' });

    expect(r).toMatchObject({ imageStatus: 'active', strategy: 'snapshot' });
    expect(r.servers[0]).toMatchObject({ serverId: srv.id, state: 'restarted' });
    const o = h.admin.oracle();
    expect(o.exports).toEqual([expect.objectContaining({ volumeId: r.temporary!.volumeId, force: false, imageStatus: 'active' })]);
    expect(o.leftovers).toEqual([]);
    const project = h.admin.account.projectId;
    const paths = (op: string) =>
      calls()
        .filter((c) => c.op === op)
        .map((c) => c.path);
    expect(paths('evs.createSnapshot')).toEqual([`/volume/v3/${project}/snapshots`]);
    expect(paths('evs.createVolume')).toEqual([`/volume/v3/${project}/volumes`]);
    expectVanillaCallsOnly();
  });
});
