// Seeding images and boot images: defaults, and refusals that would make a world no cloud can have.
import { describe, expect, it } from 'vitest';
import { useSim } from './helpers';

describe('sim seed: images', () => {
  const t = useSim();

  it('defaults: active, private, unprotected, the account as owner, created now; ids returned in order', async () => {
    const { c } = t;
    const r = await c.admin('POST', '/seed', { images: [{ name: 'a' }, { name: 'b', createdAt: '2025-12-31T23:59:59Z' }] });
    expect(r.status).toBe(200);
    expect(r.body.images.map((i: { name: string }) => i.name)).toEqual(['a', 'b']);
    const a = (await c.image(r.body.images[0].id)).body;
    expect(a).toMatchObject({ status: 'active', visibility: 'private', protected: false, owner: c.project, tags: [], __data_origin: '' });
    expect((await c.image(r.body.images[1].id)).body).toMatchObject({
      created_at: '2025-12-31T23:59:59Z',
      active_at: '2025-12-31T23:59:59Z',
    });
  });

  it('refuses bad fields and ambiguous boot images', async () => {
    const { c } = t;
    const refused = async (spec: unknown) => (await c.admin('POST', '/seed', spec)).status;
    expect(await refused({ images: [{ name: 'x', tags: ['a=b'] }] })).toBe(400);
    expect(await refused({ images: [{ name: 'x', createdAt: 'yesterday' }] })).toBe(400);
    expect(await refused({ images: [{ name: 'x', visibility: 'community' }] })).toBe(400);
    expect(await refused({ images: [{ name: 'x', visibility: 'public', members: ['p'] }] })).toBe(400);
    expect(await refused({ images: [{ name: 'x', members: [c.project] }] })).toBe(400);
    expect(await refused({ images: [{ name: 'x', members: [{ id: 'p', status: 'maybe' }] }] })).toBe(400);
    expect(await refused({ servers: [{ name: 'vm', image: 'no-such-image' }] })).toBe(400);
    expect(await refused({ images: [{ name: 'twin' }, { name: 'twin' }], servers: [{ name: 'vm', image: 'twin' }] })).toBe(400);
    // Nothing of a refused seed is kept.
    expect((await c.admin('GET', '/state')).body.images).toEqual([]);
  });
});
