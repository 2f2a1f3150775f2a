import { describe, expect, it } from 'vitest';
import { useSim, waitFor } from './helpers';

const overLimit = (message: RegExp) => ({ overLimit: { code: 'EVS.5413', message: expect.stringMatching(message) } });

describe('sim EVS quotas', () => {
  const t = useSim();

  it('are set and cleared through the config, validated, and forgotten by a reset', async () => {
    const { c } = t;
    expect((await c.admin('GET', '/config')).body.quotas).toEqual({});
    const r = await c.admin('PUT', '/config', { quotas: { snapshots: 0, gigabytes: 100 } });
    expect(r.body.quotas).toEqual({ snapshots: 0, gigabytes: 100 });
    expect((await c.admin('PUT', '/config', { quotas: { gigabytes: null } })).body.quotas).toEqual({ snapshots: 0 });
    for (const quotas of [{ disks: 1 }, { volumes: -1 }, { volumes: 1.5 }, 'x'])
      expect((await c.admin('PUT', '/config', { quotas })).status, JSON.stringify(quotas)).toBe(400);
    await c.admin('POST', '/reset');
    expect((await c.admin('GET', '/config')).body.quotas).toEqual({});
  });

  it('counts: 413 EVS.5413 with Cinder’s words once snapshots, disks or gigabytes (disks + snapshots) run out', async () => {
    const { c } = t;
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 10 }] })).body.volumes[0].id;
    await c.admin('PUT', '/config', { quotas: { snapshots: 1, volumes: 2, gigabytes: 35 } });
    const sid = (await c.createSnapshot({ volume_id: vid, name: 'one' })).body.snapshot.id;
    const second = await c.createSnapshot({ volume_id: vid, name: 'two' });
    expect(second).toMatchObject({
      status: 413,
      body: overLimit(/^SnapshotLimitExceeded: Maximum number of snapshots allowed \(1\) exceeded$/),
    });
    expect(second.headers.get('retry-after')).toBeNull();
    await waitFor(async () => (await c.snapshot(sid)).body.snapshot.status === 'available', 'snapshot');
    // In use: the seeded 10 GB disk and the 10 GB snapshot.
    expect(await c.createVolume({ name: 'big', size: 16, availability_zone: 'eu-de-01', snapshot_id: sid })).toMatchObject({
      status: 413,
      body: overLimit(/^VolumeSizeExceedsAvailableQuota: .* Requested 16G, quota is 35G and 20G has been consumed\.$/),
    });
    const copy = (await c.createVolume({ name: 'fits', size: 15, availability_zone: 'eu-de-01', snapshot_id: sid })).body.volume.id;
    expect(await c.createVolume({ name: 'third', size: 1, availability_zone: 'eu-de-01' })).toMatchObject({
      status: 413,
      body: overLimit(/^VolumeLimitExceeded: Maximum number of volumes allowed \(2\) exceeded for quota 'volumes'\.$/),
    });
    // A deleted resource no longer counts.
    await waitFor(async () => (await c.volume(copy)).body.volume.status === 'available', 'copy');
    await c.deleteVolume(copy);
    await waitFor(async () => (await c.volume(copy)).status === 404, 'copy gone');
    expect((await c.createVolume({ name: 'third', size: 1, availability_zone: 'eu-de-01' })).status).toBe(202);
  });

  it('the native form refuses with its own 400 codes', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { quotas: { volumes: 0 } });
    const native = (body: Record<string, unknown>) => c.call('POST', `/evs/v2/${c.project}/cloudvolumes`, { volume: body });
    const body = { name: 'n', size: 10, availability_zone: 'eu-de-01', volume_type: 'SSD' };
    expect(await native(body)).toMatchObject({
      status: 400,
      body: { badRequest: { code: 'EVS.1034', message: 'volume count exceeded volume count quota!' } },
    });
    await c.admin('PUT', '/config', { quotas: { volumes: null, gigabytes: 5 } });
    expect(await native(body)).toMatchObject({
      status: 400,
      body: { badRequest: { code: 'EVS.1042', message: 'volume gigabytes exceeded volume gigabytes quota!' } },
    });
  });
});
