// What IMS refuses to delete (protected, someone else's, being made) and what it deletes anyway (in use, shared):
// retention's own checks are what keep images servers boot from.
import { describe, expect, it } from 'vitest';
import { useSim } from './helpers';

const OTHER = '5f0a0000000000000000000000000001';

describe('sim IMS image delete', () => {
  const t = useSim();

  it('a protected image: 403 IMG.0028 with Glance words, and it stays', async () => {
    const { c } = t;
    const [img] = (await c.admin('POST', '/seed', { images: [{ name: 'keep-me', protected: true }] })).body.images;
    const r = await c.call('DELETE', `/ims/v2/images/${img.id}`);
    expect(r).toMatchObject({
      status: 403,
      body: { error: { code: 'IMG.0028', message: `Image ${img.id} is protected and cannot be deleted.` } },
    });
    expect((await c.image(img.id)).body).toMatchObject({ id: img.id, protected: true, status: 'active' });
  });

  it('an image in use by a server, a disk or another project is deleted: 204, then 404', async () => {
    const { c } = t;
    const seeded = (
      await c.admin('POST', '/seed', {
        images: [{ name: 'booted' }, { name: 'disk-source' }, { name: 'shared', members: [OTHER] }],
        servers: [{ name: 'vm', image: 'booted' }],
      })
    ).body;
    const [booted, source, shared] = seeded.images.map((i: { id: string }) => i.id);
    await c.admin('POST', '/seed', { volumes: [{ name: 'sys', size: 10, bootable: true, volumeImageMetadata: { image_id: source } }] });
    for (const id of [booted, source, shared]) {
      const r = await c.call('DELETE', `/ims/v2/images/${id}`);
      expect(r.status).toBe(204);
      expect(r.body).toBeUndefined();
      expect(await c.image(id)).toMatchObject({ status: 404, body: { error: { code: 'IMG.0027' } } });
      expect((await c.call('DELETE', `/ims/v2/images/${id}`)).status).toBe(404);
    }
    // The server keeps naming the image it booted from, as ECS does after the image is gone.
    expect((await c.server(seeded.servers[0].id)).body.server.image).toEqual({ id: booted });
    const types = (await c.admin('GET', '/events')).body.events.map((e: { type: string }) => e.type);
    expect(types.filter((x: string) => x === 'image.deleted')).toHaveLength(3);
  });

  it("someone else's image: shared with us 403 IMG.0092, public 403 IMG.0094, unseen 404", async () => {
    const { c } = t;
    const [given, pub, hidden] = (
      await c.admin('POST', '/seed', {
        images: [
          { name: 'given', owner: OTHER, members: [c.project] },
          { name: 'gold', owner: OTHER, visibility: 'public' },
          { name: 'hidden', owner: OTHER },
        ],
      })
    ).body.images.map((i: { id: string }) => i.id);
    expect(await c.call('DELETE', `/ims/v2/images/${given}`)).toMatchObject({ status: 403, body: { error: { code: 'IMG.0092' } } });
    expect(await c.call('DELETE', `/ims/v2/images/${pub}`)).toMatchObject({ status: 403, body: { error: { code: 'IMG.0094' } } });
    expect(await c.call('DELETE', `/ims/v2/images/${hidden}`)).toMatchObject({ status: 404, body: { error: { code: 'IMG.0027' } } });
    expect((await c.image(hidden)).status).toBe(404);
    expect((await c.image(pub)).body).toMatchObject({ owner: OTHER, visibility: 'public' });
  });

  it('a seeded image still being made: 400 IMG.0090; seeded images are never oracle orphans', async () => {
    const { c } = t;
    const [img] = (await c.admin('POST', '/seed', { images: [{ name: 'saving', status: 'saving' }] })).body.images;
    expect(await c.call('DELETE', `/ims/v2/images/${img.id}`)).toMatchObject({ status: 400, body: { error: { code: 'IMG.0090' } } });
    expect((await c.admin('GET', '/oracle')).body.orphanedImages).toEqual([]);
  });

  it('faults reach the delete like any other call', async () => {
    const { c } = t;
    const [img] = (await c.admin('POST', '/seed', { images: [{ name: 'x' }] })).body.images;
    await c.admin('POST', '/faults', { op: 'ims.deleteImage', target: img.id, kind: 'throttle', retryAfterSec: 2 });
    const r = await c.call('DELETE', `/ims/v2/images/${img.id}`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect((await c.image(img.id)).status).toBe(200);
    expect((await c.call('DELETE', `/ims/v2/images/${img.id}`)).status).toBe(204);
  });
});
