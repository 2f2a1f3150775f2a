import { describe, expect, it } from 'vitest';
import { createSim } from '../../src/sim';
import { Client, useSim } from './helpers';

describe('sim faults', () => {
  const t = useSim();

  async function oneServer(c: Client) {
    return (await c.admin('POST', '/seed', { servers: [{ name: 'a' }], volumes: [{ name: 'd', size: 1 }] })).body;
  }

  it('error: the service body with the given or default status/code/message, consumed per match', async () => {
    const { c } = t;
    const seeded = await oneServer(c);
    const vid = seeded.volumes[0].id;
    const sid = seeded.servers[0].id;
    const f = await c.admin('POST', '/faults', { op: 'evs.getVolume', kind: 'error' });
    expect(f.body.id).toMatch(/^fault-/);
    expect(await c.volume(vid)).toMatchObject({ status: 500, body: { error: { code: 'EVS.5500', message: 'Internal server error.' } } });
    expect((await c.volume(vid)).status).toBe(200);
    await c.admin('POST', '/faults', { op: 'ecs.getServer', target: sid, kind: 'error', times: 2 });
    for (let i = 0; i < 2; i++) expect(await c.server(sid)).toMatchObject({ status: 500, body: { error: { code: 'Ecs.1002' } } });
    expect((await c.server(sid)).status).toBe(200);
    await c.admin('POST', '/faults', { op: 'evs.getVolume', kind: 'error', status: 503 });
    expect(await c.volume(vid)).toMatchObject({ status: 503, body: { serviceUnavailable: { code: 'EVS.5503' } } });
    await c.admin('POST', '/faults', {
      op: 'ims.listImages',
      kind: 'error',
      status: 400,
      code: 'IMG.0060',
      message: 'The number of tasks exceeds the flow control limit.',
    });
    expect(await c.call('GET', '/ims/v2/images')).toMatchObject({
      status: 400,
      body: { error: { code: 'IMG.0060', message: 'The number of tasks exceeds the flow control limit.' } },
    });
    await c.admin('POST', '/faults', { op: 'keystone.token', kind: 'error' });
    expect((await c.call('POST', '/v3/auth/tokens', {}, { 'X-Auth-Token': '' })).body.error).toMatchObject({
      code: 500,
      title: 'Internal Server Error',
    });
    // `after` skips matches; the fault list shows what is left.
    await c.admin('POST', '/faults', { op: 'ims.getImage', kind: 'error', after: 1, times: 0 });
    expect((await c.image('x')).status).toBe(404);
    expect((await c.image('x')).status).toBe(500);
    expect((await c.image('x')).status).toBe(500);
    const list = (await c.admin('GET', '/faults')).body.faults;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ op: 'ims.getImage', matched: 3, applied: 2, times: 0 });
    expect((await c.admin('DELETE', `/faults/${list[0].id}`)).status).toBe(204);
    expect((await c.image('x')).status).toBe(404);
    expect((await c.admin('DELETE', '/faults/fault-999')).status).toBe(404);
    expect((await c.admin('POST', '/faults', { op: 'evs.typo', kind: 'error' })).status).toBe(400);
    expect((await c.admin('POST', '/faults', { op: 'ims.getImage', kind: 'job-fail' })).status).toBe(400);
  });

  it('throttle: 429 with Retry-After and a service-shaped body', async () => {
    const { c } = t;
    const seeded = await oneServer(c);
    await c.admin('POST', '/faults', { op: 'ecs.stop', kind: 'throttle', retryAfterSec: 7 });
    const r = await c.stop([seeded.servers[0].id]);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.body.error).toMatchObject({ code: 'Common.1503', message: expect.stringMatching(/^Api flow control Error because/) });
    expect((await c.server(seeded.servers[0].id)).body.server['OS-EXT-STS:task_state']).toBeNull();
    await c.admin('POST', '/faults', { op: '*', kind: 'throttle' });
    const v = await c.volume(seeded.volumes[0].id);
    expect(v.status).toBe(429);
    expect(v.headers.get('retry-after')).toBe('1');
    expect(v.body).toMatchObject({ error_code: 'APIGW.0308' });
  });

  it('lost-response: the effect happens, the connection is dropped without a reply', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: null } });
    const vid = (await oneServer(c)).volumes[0].id;
    await c.admin('POST', '/faults', { op: 'evs.uploadImage', kind: 'lost-response' });
    await expect(c.upload(vid, { image_name: 'lost' })).rejects.toThrow(/fetch failed/);
    expect((await c.volume(vid)).body.volume.status).toBe('uploading');
    const images = (await c.call('GET', '/ims/v2/images?name=lost')).body.images;
    expect(images).toHaveLength(1);
    const ev = (await c.admin('GET', '/events')).body.events.find(
      (e: { type: string; op?: string }) => e.type === 'api.call' && e.op === 'evs.uploadImage',
    );
    expect(ev).toMatchObject({ lost: true, status: null });
  });

  it('delay: the reply comes after delayMs', async () => {
    const { c } = t;
    await c.admin('POST', '/faults', { op: 'ims.listImages', kind: 'delay', delayMs: 150 });
    const t0 = Date.now();
    expect((await c.call('GET', '/ims/v2/images')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    // Consumed: the rule is gone.
    expect((await c.admin('GET', '/faults')).body.faults).toEqual([]);
  });

  it('probability: seeded, so the same seed fires on the same calls', async () => {
    async function pattern(seed: number): Promise<number[]> {
      const s = await createSim({ seed });
      try {
        const c = new Client(s);
        await c.login();
        await c.admin('POST', '/faults', { op: 'ims.listImages', kind: 'error', probability: 0.5, times: 0 });
        const out: number[] = [];
        for (let i = 0; i < 24; i++) out.push((await c.call('GET', '/ims/v2/images')).status);
        return out;
      } finally {
        await s.close();
      }
    }
    const a = await pattern(1234);
    expect(await pattern(1234)).toEqual(a);
    expect(a.filter((x) => x === 500).length).toBeGreaterThan(3);
    expect(a.filter((x) => x === 200).length).toBeGreaterThan(3);
    expect(await pattern(99)).not.toEqual(a);
    // reset with a seed replays it too.
    const { c } = t;
    await c.admin('POST', '/reset', { seed: 1234 });
    await c.login();
    await c.admin('POST', '/faults', { op: 'ims.listImages', kind: 'error', probability: 0.5, times: 0 });
    const again: number[] = [];
    for (let i = 0; i < 24; i++) again.push((await c.call('GET', '/ims/v2/images')).status);
    expect(again).toEqual(a);
  });
});
