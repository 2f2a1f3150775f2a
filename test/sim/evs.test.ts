import { describe, expect, it } from 'vitest';
import { useSim, waitFor } from './helpers';

const bad = (message: RegExp | string) => ({
  badRequest: { code: 'EVS.5400', message: typeof message === 'string' ? message : expect.stringMatching(message) },
});

describe('sim EVS', () => {
  const t = useSim();

  async function seedShared() {
    return t.c.admin('POST', '/seed', {
      servers: [{ name: 'a' }, { name: 'b' }, { name: 'c', status: 'SHUTOFF' }],
      volumes: [
        { name: 'shared', size: 10, multiattach: true, attachedTo: ['a', 'b', 'c'] },
        { name: 'sys', size: 40, bootable: true, attachedTo: ['a'], volumeImageMetadata: { __os_type: 'Linux' } },
        { name: 'free', size: 2 },
      ],
    });
  }

  it('renders the disk detail with the documented fields and types', async () => {
    const { c } = t;
    const seeded = (await seedShared()).body;
    const [shared, sys, free] = seeded.volumes.map((v: { id: string }) => v.id);
    const r = await c.volume(shared);
    expect(r.status).toBe(200);
    const v = r.body.volume;
    expect(v).toMatchObject({
      id: shared,
      name: 'shared',
      status: 'in-use',
      size: 10,
      bootable: 'false',
      multiattach: true,
      shareable: true,
      encrypted: false,
    });
    expect(v['os-vol-tenant-attr:tenant_id']).toBe(c.project);
    expect(v.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(v.created_at).toMatch(/\.\d{6}$/);
    expect(v.volume_image_metadata).toBeNull();
    expect(typeof v.metadata).toBe('object');
    // One attachment per server, distinct attachment ids, same volume id.
    expect(v.attachments).toHaveLength(3);
    const serverIds = seeded.servers.map((s: { id: string }) => s.id);
    expect(v.attachments.map((a: { server_id: string }) => a.server_id).sort()).toEqual([...serverIds].sort());
    expect(new Set(v.attachments.map((a: { attachment_id: string }) => a.attachment_id)).size).toBe(3);
    for (const a of v.attachments) {
      expect(Object.keys(a).sort()).toEqual(['attached_at', 'attachment_id', 'device', 'host_name', 'id', 'server_id', 'volume_id']);
      expect(a).toMatchObject({ volume_id: shared, id: shared, host_name: null, device: expect.stringMatching(/^\/dev\/vd[b-z]$/) });
    }
    const s = (await c.volume(sys)).body.volume;
    expect(s).toMatchObject({ bootable: 'true', multiattach: false, volume_image_metadata: { __os_type: 'Linux' } });
    expect(s.attachments[0].device).toBe('/dev/vda');
    expect((await c.volume(free)).body.volume).toMatchObject({ status: 'available', attachments: [] });
    // v3 path answers the same.
    expect((await c.call('GET', `/evs/v3/${c.project}/volumes/${free}`)).body.volume.id).toBe(free);
  });

  it('answers 404 itemNotFound EVS.5404 for an unknown disk', async () => {
    const r = await t.c.volume('00000000-0000-4000-8000-000000000000');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      itemNotFound: { code: 'EVS.5404', message: 'Volume 00000000-0000-4000-8000-000000000000 could not be found.' },
    });
  });

  it('validates every os-volume_upload_image rule with EVS.5400', async () => {
    const { c } = t;
    const id = (await c.admin('POST', '/seed', { volumes: [{ name: 'free', size: 1 }] })).body.volumes[0].id;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /image_name is required/],
      [{ image_name: 42 }, /image_name must be a string/],
      [{ image_name: '' }, /1 to 128 characters/],
      [{ image_name: 'a'.repeat(129) }, /got 129/],
      [{ image_name: 'bad/name' }, /only letters, digits/],
      [{ image_name: 'ümlaut' }, /only letters, digits/],
      [{ image_name: ' lead' }, /start or end with a space/],
      [{ image_name: 'trail ' }, /start or end with a space/],
      [{ image_name: 'ok', disk_format: 'vmdk' }, /disk_format "vmdk" is invalid/],
      [{ image_name: 'ok', container_format: 'docker' }, /container_format "docker" is invalid/],
      [{ image_name: 'ok', __os_type: 'bsd' }, /__os_type "bsd" is invalid/],
      [{ image_name: 'ok', force: 'true' }, /force "true" is not a boolean/],
    ];
    for (const [body, message] of cases) {
      const r = await c.upload(id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body).toEqual(bad(message));
    }
    const malformed = await c.call('POST', `/evs/v2/${c.project}/volumes/${id}/action`, '{not json');
    expect(malformed).toMatchObject({ status: 400, body: bad('Malformed request body.') });
    expect((await c.call('POST', `/evs/v2/${c.project}/volumes/${id}/action`, { 'os-extend': { new_size: 2 } })).body).toEqual(
      bad(/no such action: os-extend/),
    );
    // The longest legal name, every allowed character class, defaults applied.
    const ok = await c.upload(id, { image_name: `A-z.0_ 9${'x'.repeat(120)}` });
    expect(ok.status).toBe(202);
    expect(ok.body['os-volume_upload_image']).toMatchObject({ disk_format: 'zvhd2', container_format: 'bare' });
  });

  it('refuses in-use without force, a locked disk, and non-exportable statuses', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: null } });
    const seeded = (
      await c.admin('POST', '/seed', {
        servers: [{ name: 's' }],
        volumes: [
          { name: 'used', size: 1, attachedTo: ['s'] },
          { name: 'locked', size: 1, locked: true },
          { name: 'broken', size: 1, status: 'error' },
        ],
      })
    ).body;
    const [used, locked, broken] = seeded.volumes.map((v: { id: string }) => v.id);
    for (const force of [undefined, false]) {
      const r = await c.upload(used, { image_name: 'x', ...(force === undefined ? {} : { force }) });
      expect(r).toMatchObject({
        status: 400,
        body: bad(new RegExp(`Volume ${used} status must be available, but current status is: in-use`)),
      });
    }
    expect(await c.upload(locked, { image_name: 'x', force: true })).toMatchObject({
      status: 400,
      body: { badRequest: { code: 'EVS.2068', message: 'operation failed because of volume be locked' } },
    });
    expect(await c.upload(broken, { image_name: 'x', force: true })).toMatchObject({
      status: 400,
      body: bad(/status must be available or in-use, but current status is: error/),
    });
    // Already uploading: refused too.
    expect((await c.upload(used, { image_name: 'x', force: true })).status).toBe(202);
    expect(await c.upload(used, { image_name: 'y', force: true })).toMatchObject({
      status: 400,
      body: bad(/current status is: uploading/),
    });
  });

  it('exports: 202 body, disk uploading → released, image queued/saving → active', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: null } });
    const seeded = (
      await c.admin('POST', '/seed', { servers: [{ name: 's', status: 'SHUTOFF' }], volumes: [{ name: 'd', size: 20, attachedTo: ['s'] }] })
    ).body;
    const vid = seeded.volumes[0].id;
    const r = await c.upload(vid, { image_name: 'golden 1', force: true, disk_format: 'qcow2', __os_type: 'windows' });
    expect(r.status).toBe(202);
    const u = r.body['os-volume_upload_image'];
    expect(u).toMatchObject({
      status: 'uploading',
      size: 20,
      id: vid,
      image_name: 'golden 1',
      container_format: 'bare',
      disk_format: 'qcow2',
      display_description: '',
    });
    expect(u.image_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(u.updated_at).toMatch(/\.\d{6}$/);
    expect(u.volume_type).toMatchObject({ name: 'SSD', is_public: true, deleted: false, extra_specs: expect.any(Object) });
    expect((await c.volume(vid)).body.volume.status).toBe('uploading');
    const img = (await c.image(u.image_id)).body;
    expect(['queued', 'saving']).toContain(img.status);
    expect(img).toMatchObject({
      owner: c.project,
      visibility: 'private',
      name: 'golden 1',
      disk_format: 'qcow2',
      min_disk: 20,
      __os_type: 'Windows',
      __data_origin: `volume,${vid}`,
    });
    await waitFor(async () => (await c.image(u.image_id)).body.status === 'saving', 'image saving');
    await c.admin('POST', '/advance', { kind: 'upload', id: vid });
    await waitFor(async () => (await c.volume(vid)).body.volume.status === 'in-use', 'disk released');
    await waitFor(async () => (await c.image(u.image_id)).body.status === 'active', 'image active');
    const events = (await c.admin('GET', '/events')).body.events.map((e: { type: string }) => e.type);
    expect(events.filter((e: string) => e.startsWith('volume.') || e.startsWith('image.'))).toEqual([
      'image.created',
      'volume.uploading',
      'image.saving',
      'volume.released',
      'image.active',
    ]);
  });

  it('an injected upload failure releases the disk, kills the image, then the image is gone', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { killedImageTtlMs: null } });
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 1 }] })).body.volumes[0].id;
    await c.admin('POST', '/faults', { op: 'evs.uploadImage', target: vid, kind: 'upload-fail' });
    const r = await c.upload(vid, { image_name: 'doomed' });
    expect(r.status).toBe(202);
    const imageId = r.body['os-volume_upload_image'].image_id;
    await waitFor(async () => (await c.image(imageId)).body.status === 'killed', 'image killed');
    expect((await c.volume(vid)).body.volume.status).toBe('available');
    expect((await c.admin('GET', '/oracle')).body.orphanedImages).toEqual([{ imageId, name: 'doomed', status: 'killed' }]);
    await c.admin('POST', '/advance', { kind: 'image', id: imageId });
    const gone = await c.image(imageId);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ error: { code: 'IMG.0027', message: `Image ${imageId} could not be found.` } });
    const oracle = (await c.admin('GET', '/oracle')).body;
    expect(oracle.exports[0]).toMatchObject({ imageId, imageStatus: 'gone', uploadEndedAt: expect.any(String) });
  });
});
