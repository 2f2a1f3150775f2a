import { describe, expect, it } from 'vitest';
import { type Client, useSim, waitFor } from './helpers';

const types = async (c: Client, prefix: string) =>
  (await c.admin('GET', '/events')).body.events.map((e: { type: string }) => e.type).filter((x: string) => x.startsWith(prefix));

async function availableSnapshot(c: Client) {
  const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 2 }] })).body.volumes[0].id as string;
  const sid = (await c.createSnapshot({ volume_id: vid, name: 'base' })).body.snapshot.id as string;
  await waitFor(async () => (await c.snapshot(sid)).body.snapshot.status === 'available', 'snapshot');
  return { vid, sid };
}

describe('sim EVS faults on snapshots and disk creation', () => {
  const t = useSim();

  it('create-fail: the snapshot is accepted, ends in error, and can be deleted', async () => {
    const { c } = t;
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 1 }] })).body.volumes[0].id;
    await c.admin('POST', '/faults', { op: 'evs.createSnapshot', target: vid, kind: 'create-fail' });
    const r = await c.createSnapshot({ volume_id: vid, name: 'doomed' });
    expect(r.status).toBe(202);
    const id = r.body.snapshot.id;
    await waitFor(async () => (await c.snapshot(id)).body.snapshot.status === 'error', 'snapshot error');
    expect((await c.snapshot(id)).body.snapshot['os-extended-snapshot-attributes:progress']).toBe('0%');
    await c.admin('PUT', '/config', { timings: { deleteMs: null } });
    expect((await c.deleteSnapshot(id)).status).toBe(202);
    expect(await types(c, 'snapshot.')).toEqual(['snapshot.created', 'snapshot.error', 'snapshot.deleting']);
  });

  it('create-fail: the disk ends in error (targeted by its snapshot) and can be deleted', async () => {
    const { c } = t;
    const { sid } = await availableSnapshot(c);
    await c.admin('POST', '/faults', { op: 'evs.createVolume', target: sid, kind: 'create-fail' });
    const id = (await c.createVolume({ name: 'copy', size: 2, availability_zone: 'eu-de-01', snapshot_id: sid })).body.volume.id;
    await waitFor(async () => (await c.volume(id)).body.volume.status === 'error', 'disk error');
    expect((await c.volume(id)).body.volume.volume_image_metadata).toBeNull();
    // Manual transitions: the delete stays in `deleting`, whatever the machine's load.
    await c.admin('PUT', '/config', { timings: { deleteMs: null } });
    expect((await c.deleteVolume(id)).status).toBe(202);
    expect(await types(c, 'volume.')).toEqual(['volume.created', 'volume.error', 'volume.deleting']);
    // Only creation ops take it.
    expect((await c.admin('POST', '/faults', { op: 'evs.deleteVolume', kind: 'create-fail' })).status).toBe(400);
  });

  it('lost-response: the snapshot and the disk are created once; the run finds them by name', async () => {
    const { c } = t;
    const { vid, sid } = await availableSnapshot(c);
    await c.admin('POST', '/faults', { op: 'evs.createSnapshot', kind: 'lost-response' });
    await c.admin('POST', '/faults', { op: 'evs.createVolume', kind: 'lost-response' });
    await expect(c.createSnapshot({ volume_id: vid, name: 'run-7-snap' })).rejects.toThrow(/fetch failed/);
    await expect(c.createVolume({ name: 'run-7-disk', size: 2, availability_zone: 'eu-de-01', snapshot_id: sid })).rejects.toThrow(
      /fetch failed/,
    );
    const snaps = (await c.call('GET', `/evs/v2/${c.project}/snapshots/detail?name=run-7-snap`)).body.snapshots;
    const disks = (await c.call('GET', `/evs/v2/${c.project}/volumes/detail?name=run-7-disk`)).body.volumes;
    expect(snaps).toHaveLength(1);
    expect(disks).toHaveLength(1);
    const events = (await c.admin('GET', '/events')).body.events;
    expect(events.filter((e: { type: string }) => e.type === 'snapshot.created')).toHaveLength(2);
    expect(events.filter((e: { type: string }) => e.type === 'volume.created')).toHaveLength(1);
    const lost = events.filter((e: { type: string; lost?: boolean }) => e.type === 'api.call' && e.lost);
    expect(lost.map((e: { op: string }) => e.op)).toEqual(['evs.createSnapshot', 'evs.createVolume']);
  });

  it('error, throttle and delay reach every new operation, targeted by resource id', async () => {
    const { c } = t;
    const { vid, sid } = await availableSnapshot(c);
    // A create targeted by its source disk: the first request names another disk and goes through.
    const other = (await c.admin('POST', '/seed', { volumes: [{ name: 'o', size: 1 }] })).body.volumes[0].id;
    await c.admin('POST', '/faults', { op: 'evs.createSnapshot', target: vid, kind: 'error', status: 503 });
    expect((await c.createSnapshot({ volume_id: other, name: 'fine' })).status).toBe(202);
    expect(await c.createSnapshot({ volume_id: vid, name: 'x' })).toMatchObject({
      status: 503,
      body: { serviceUnavailable: { code: 'EVS.5503' } },
    });
    await c.admin('POST', '/faults', { op: 'evs.getSnapshot', target: sid, kind: 'throttle', retryAfterSec: 3 });
    const th = await c.snapshot(sid);
    expect(th.status).toBe(429);
    expect(th.headers.get('retry-after')).toBe('3');
    await c.admin('POST', '/faults', { op: 'evs.listVolumes', kind: 'delay', delayMs: 120 });
    const t0 = Date.now();
    expect((await c.call('GET', `/evs/v2/${c.project}/volumes/detail`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    await c.admin('POST', '/faults', { op: 'evs.deleteSnapshot', target: sid, kind: 'error' });
    expect((await c.deleteSnapshot(sid)).status).toBe(500);
    expect((await c.snapshot(sid)).body.snapshot.status).toBe('available');
    for (const op of ['evs.listSnapshots', 'evs.deleteVolume', 'evs.createVolumeNative', 'evs.getJob'])
      expect((await c.admin('POST', '/faults', { op, kind: 'error' })).status, op).toBe(200);
    const byOp = (await c.admin('GET', '/oracle')).body.apiCalls.byOp;
    expect(byOp).toMatchObject({ 'evs.createSnapshot': 3, 'evs.listVolumes': 1, 'evs.deleteSnapshot': 1 });
  });
});
