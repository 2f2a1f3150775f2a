import { describe, expect, it } from 'vitest';
import { type Client, type Json, useSim, waitFor } from './helpers';

/** Exports a fresh free disk and waits for the image to be active. */
async function makeImage(c: Client, name: string): Promise<string> {
  const vid = (await c.admin('POST', '/seed', { volumes: [{ name: `d-${name}`, size: 1 }] })).body.volumes[0].id;
  const imageId = (await c.upload(vid, { image_name: name })).body['os-volume_upload_image'].image_id;
  await waitFor(async () => (await c.image(imageId)).body.status === 'active', `image ${name} active`);
  return imageId;
}

describe('sim IMS', () => {
  const t = useSim();

  it('renders the image detail with the documented fields', async () => {
    const { c } = t;
    const id = await makeImage(t.c, 'img-a');
    const r = await c.image(id);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.body).toMatchObject({
      id,
      name: 'img-a',
      status: 'active',
      owner: c.project,
      visibility: 'private',
      protected: false,
      container_format: 'bare',
      disk_format: 'zvhd2',
      min_disk: 1,
      min_ram: 0,
      tags: [],
      self: `/v2/images/${id}`,
      file: `/v2/images/${id}/file`,
      schema: '/v2/schemas/image',
      __os_type: 'Linux',
      __imagetype: 'private',
      __image_source_type: 'uds',
      virtual_env_type: 'DataImage',
    });
    expect(r.body.__data_origin).toMatch(/^volume,[0-9a-f-]{36}$/);
    expect(r.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.body.updated_at).toMatch(/Z$/);
    expect(await c.image('nope')).toMatchObject({
      status: 404,
      body: { error: { code: 'IMG.0027', message: 'Image nope could not be found.' } },
    });
  });

  it('lists by exact name with limit/marker paging and first/next links', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: 0, uploadMsPerGb: 0, imageActivateMs: 0 } });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await makeImage(c, 'nightly'));
    await makeImage(c, 'nightly-2');
    const all = await c.call('GET', `/ims/v2/images?name=nightly&owner=${c.project}`);
    expect(all.body.images).toHaveLength(5);
    expect(all.body.schema).toBe('/v2/schemas/images');
    expect(all.body.first).toBe(`/v2/images?name=nightly&owner=${c.project}`);
    expect(all.body.next).toBeUndefined();
    const seen: string[] = [];
    let url: string | undefined = `/ims/v2/images?name=nightly&limit=2&sort_key=created_at&sort_dir=asc`;
    let pages = 0;
    while (url) {
      const page: Json = (await c.call('GET', url)).body;
      pages++;
      seen.push(...page.images.map((i: { id: string }) => i.id));
      url = page.next ? `/ims${page.next}` : undefined;
      if (url) expect(page.next).toMatch(/[?&]marker=/);
    }
    expect(pages).toBe(3);
    expect(new Set(seen)).toEqual(new Set(ids));
    // Default page size 25, other filters.
    expect((await c.call('GET', '/ims/v2/images?status=active&visibility=private')).body.images).toHaveLength(6);
    expect((await c.call('GET', '/ims/v2/images?name=nightl')).body.images).toHaveLength(0);
    expect((await c.call('GET', '/ims/v2/images?marker=unknown')).status).toBe(400);
  });

  it('deletes: 204 for an active image, IMG.0090 while it is being made, 404 after', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: null } });
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 1 }] })).body.volumes[0].id;
    const imageId = (await c.upload(vid, { image_name: 'in-flight' })).body['os-volume_upload_image'].image_id;
    const refused = await c.call('DELETE', `/ims/v2/images/${imageId}`);
    expect(refused).toMatchObject({
      status: 400,
      body: { error: { code: 'IMG.0090', message: 'The image being created cannot be deleted.' } },
    });
    await c.admin('POST', '/advance', { kind: 'upload', id: imageId });
    await waitFor(async () => (await c.image(imageId)).body.status === 'active', 'active');
    const del = await c.call('DELETE', `/ims/v2/images/${imageId}`);
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await c.image(imageId)).status).toBe(404);
    expect((await c.call('DELETE', `/ims/v2/images/${imageId}`)).status).toBe(404);
  });

  it('adds and removes tags; refuses malformed tags', async () => {
    const { c } = t;
    const id = await makeImage(c, 'tagged');
    expect((await c.call('PUT', `/ims/v2/images/${id}/tags/golden_2026-01`)).status).toBe(204);
    expect((await c.call('PUT', `/ims/v2/images/${id}/tags/golden_2026-01`)).status).toBe(204);
    expect((await c.image(id)).body.tags).toEqual(['golden_2026-01']);
    expect((await c.call('GET', '/ims/v2/images?tag=golden_2026-01')).body.images.map((i: { id: string }) => i.id)).toEqual([id]);
    const bad = await c.call('PUT', `/ims/v2/images/${id}/tags/${encodeURIComponent('a=b')}`);
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'IMG.0001' } } });
    expect((await c.call('PUT', '/ims/v2/images/nope/tags/x')).status).toBe(404);
    expect((await c.call('DELETE', `/ims/v2/images/${id}/tags/golden_2026-01`)).status).toBe(204);
    expect((await c.image(id)).body.tags).toEqual([]);
  });
});
