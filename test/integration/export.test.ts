// The export saga end to end: real Temporal dev server, the simulator over HTTP, the real cloud client.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import { type ExportDiskResult, FailureType, sourceVolumeTag } from '../../src/workflows/api';
import { TRACING_PATCH } from '../../src/workflows/tracing';
import { failureOf, patchesIn, useHarness } from './harness';

const h = useHarness();

async function runExport(input: Record<string, unknown>): Promise<ExportDiskResult> {
  return h.withWorker(async (taskQueue) => (await startExport(h.client, taskQueue, input)).result());
}

async function failure(input: Record<string, unknown>): Promise<ApplicationFailure> {
  return failureOf(runExport(input));
}

function serverState(id: string) {
  return h.admin.state().servers.find((s) => s.id === id)!;
}

describe('exportDiskImage', () => {
  it('stops the one running server of an in-use disk, exports with force, restarts it; image active', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'sys', size: 20, bootable: true, attachedTo: ['app'] }] });
    const [server] = seeded.servers;
    const [volume] = seeded.volumes;

    const result = await runExport({ volumeId: volume.id, imageName: 'img-in-use', tags: ['golden'] });

    expect(result.imageStatus).toBe('active');
    expect(result.adopted).toBe(false);
    expect(result.servers).toEqual([expect.objectContaining({ serverId: server.id, wasRunning: true, state: 'restarted' })]);
    expect(result.servers[0].downtimeMs).toBeGreaterThan(0);
    const o = h.admin.oracle();
    expect(o.exports).toEqual([
      expect.objectContaining({ volumeId: volume.id, imageId: result.imageId, force: true, imageStatus: 'active' }),
    ]);
    expect(o.servers[server.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(serverState(server.id)).toMatchObject({ status: 'ACTIVE' });
    const image = await h.cloud.ims.getImage(result.imageId);
    expect(image).toMatchObject({ name: 'img-in-use', status: 'active', tags: ['golden', sourceVolumeTag(volume.id)] });
    expect(result.apiCalls['evs.uploadImage']).toBe(1);
  });

  it('a worker without tracing gives a new run no workflow interceptor: no tracing patch in its history', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 5, attachedTo: ['app'] }] });
    const history = await h.withWorker(async (taskQueue) => {
      const handle = await startExport(h.client, taskQueue, { volumeId: seeded.volumes[0].id, imageName: 'untraced' });
      await handle.result();
      return handle.fetchHistory();
    });
    // The run recorded its other patches, none for tracing.
    expect(patchesIn(history)).toContain('search-attributes-from-the-run');
    expect(patchesIn(history)).not.toContain(TRACING_PATCH);
  });

  it('on a shared disk of three servers stops and restarts only the two running ones', async () => {
    const seeded = h.admin.seed({
      servers: [{ name: 'a' }, { name: 'b' }, { name: 'c', status: 'SHUTOFF' }],
      volumes: [{ name: 'shared', size: 10, multiattach: true, attachedTo: ['a', 'b', 'c'] }],
    });
    const [a, b, c] = seeded.servers;

    const result = await runExport({ volumeId: seeded.volumes[0].id, imageName: 'img-shared' });

    expect(result.imageStatus).toBe('active');
    const byId = Object.fromEntries(result.servers.map((s) => [s.serverId, s]));
    expect(byId[a.id]).toMatchObject({ wasRunning: true, state: 'restarted' });
    expect(byId[b.id]).toMatchObject({ wasRunning: true, state: 'restarted' });
    expect(byId[c.id]).toMatchObject({ wasRunning: false, state: 'untouched' });
    const o = h.admin.oracle();
    expect(o.servers[a.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(o.servers[b.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(o.servers[c.id]).toMatchObject({ stops: 0, starts: 0 });
    expect(serverState(c.id)).toMatchObject({ status: 'SHUTOFF' });
    expect(o.exports[0].force).toBe(true);
  });

  it('a format only vanilla Cinder takes is refused by the plan, naming what this cloud takes; nothing stops', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 5, attachedTo: ['app'] }] });
    const f = await failureOf(runExport({ volumeId: seeded.volumes[0].id, imageName: 'img-vmdk', diskFormat: 'vmdk' }));
    expect(f.type).toBe(FailureType.InvalidInput);
    expect(f.message).toMatch(
      /diskFormat: "vmdk" is vanilla Cinder's; this Open Telekom Cloud \/ Huawei Cloud EVS takes vhd, zvhd, zvhd2, raw, qcow2/,
    );
    expect(h.admin.events().filter((e) => e.type === 'server.stopping')).toEqual([]);
  });

  it('exports an available disk without touching any server', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'bystander' }], volumes: [{ name: 'loose', size: 5 }] });

    const result = await runExport({ volumeId: seeded.volumes[0].id, imageName: 'img-available' });

    expect(result.imageStatus).toBe('active');
    expect(result.servers).toEqual([]);
    const o = h.admin.oracle();
    expect(o.exports[0].force).toBe(false);
    expect(o.apiCalls.byOp['ecs.stop'] ?? 0).toBe(0);
    expect(o.apiCalls.byOp['ecs.getServer'] ?? 0).toBe(0);
  });

  it('restarts the servers and fails with the cloud message when the cloud rejects the export', async () => {
    const seeded = h.admin.seed({
      servers: [{ name: 'app' }],
      volumes: [{ name: 'locked-disk', size: 10, attachedTo: ['app'], locked: true }],
    });
    const [server] = seeded.servers;

    const cause = await failure({ volumeId: seeded.volumes[0].id, imageName: 'img-locked' });

    expect(cause.type).toBe(FailureType.CloudRejected);
    expect(cause.message).toContain('EVS.2068');
    expect(cause.message).toContain('locked');
    expect(cause.message).toContain('servers restarted: app');
    expect(h.admin.oracle().servers[server.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(serverState(server.id).status).toBe('ACTIVE');
    expect(h.admin.state().images).toEqual([]);
  });

  it('restarts the servers and reports the image id when the upload ends killed', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    const [server] = seeded.servers;
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });

    const cause = await failure({ volumeId: seeded.volumes[0].id, imageName: 'img-killed' });

    expect(cause.type).toBe(FailureType.ImageFailed);
    const imageId = h.admin.oracle().exports[0].imageId;
    expect(cause.message).toContain(imageId);
    expect(h.admin.oracle().servers[server.id]).toMatchObject({ stops: 1, starts: 1 });
    expect(serverState(server.id).status).toBe('ACTIVE');
  });
});

describe('bad input fails before anything is stopped or created (P5)', () => {
  async function rejectsInput(input: Record<string, unknown>, type: string, field: string, value: string): Promise<void> {
    // Straight to the workflow, bypassing the client-side check, as a UI start or a parent would.
    const err = await h
      .withWorker(async (taskQueue) =>
        h.client.workflow.execute('exportDiskImage', {
          taskQueue,
          workflowId: `bad-${Math.random().toString(36).slice(2)}`,
          args: [input],
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe(type);
    expect(cause.message).toContain(field);
    expect(cause.message).toContain(value);
    const o = h.admin.oracle();
    expect(o.apiCalls.byOp['ecs.stop'] ?? 0).toBe(0);
    expect(o.apiCalls.byOp['evs.uploadImage'] ?? 0).toBe(0);
    expect(o.exports).toEqual([]);
    expect(h.admin.state().images).toEqual([]);
    for (const s of Object.values(o.servers)) expect(s.stops).toBe(0);
  }

  function disk(spec: { status?: string; server?: { status?: 'ACTIVE' | 'SHUTOFF'; taskState?: string; locked?: boolean } } = {}): string {
    const seeded = h.admin.seed({
      servers: [{ name: 'srv', status: spec.server?.status, taskState: spec.server?.taskState, locked: spec.server?.locked }],
      volumes: [{ name: 'd', size: 10, attachedTo: ['srv'], status: spec.status }],
    });
    return seeded.volumes[0].id;
  }

  it.each([
    ['image name too long', { imageName: 'x'.repeat(129) }, 'imageName', 'has 129'],
    ['image name with a slash', { imageName: 'a/b' }, 'imageName', '"a/b"'],
    ['image name with a leading space', { imageName: ' golden' }, 'imageName', '" golden"'],
    ['disk format', { diskFormat: 'iso' }, 'diskFormat', '"iso"'],
    ['container format', { containerFormat: 'docker' }, 'containerFormat', '"docker"'],
    ['OS type', { osType: 'solaris' }, 'osType', '"solaris"'],
    ['strategy', { strategy: 'clone' }, 'strategy', '"clone"'],
    ['stopServers without the snapshot strategy', { stopServers: false }, 'stopServers', 'needs strategy'],
  ])('%s', async (_rule, bad, field, value) => {
    await rejectsInput({ volumeId: disk(), imageName: 'ok', ...bad }, FailureType.InvalidInput, field, value);
  });

  it('unknown disk', async () => {
    await rejectsInput(
      { volumeId: '00000000-0000-4000-8000-000000000000', imageName: 'ok' },
      FailureType.InvalidInput,
      'volumeId',
      '00000000-0000-4000-8000-000000000000',
    );
  });

  it('disk in error', async () => {
    await rejectsInput({ volumeId: disk({ status: 'error' }), imageName: 'ok' }, FailureType.NotExportable, 'status', '"error"');
  });

  it('disk already uploading', async () => {
    await rejectsInput({ volumeId: disk({ status: 'uploading' }), imageName: 'ok' }, FailureType.NotExportable, 'status', '"uploading"');
  });

  it('server transitioning', async () => {
    await rejectsInput(
      { volumeId: disk({ server: { taskState: 'rebooting' } }), imageName: 'ok' },
      FailureType.NotExportable,
      'task_state',
      '"rebooting"',
    );
  });

  it('server locked', async () => {
    await rejectsInput({ volumeId: disk({ server: { locked: true } }), imageName: 'ok' }, FailureType.NotExportable, 'locked', 'true');
  });
});

describe('the oracle', () => {
  it('flags an export made without stopping the servers (P1 broken on purpose)', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 1, attachedTo: ['app'] }] });
    await h.cloud.evs.uploadImage(seeded.volumes[0].id, { imageName: 'careless', force: true });
    const violations = h.admin.oracle().p1Violations;
    expect(violations).toEqual([
      expect.objectContaining({ volumeId: seeded.volumes[0].id, serverId: seeded.servers[0].id, serverStatus: 'ACTIVE' }),
    ]);
    h.admin.reset();
  });
});
