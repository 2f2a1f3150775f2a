// Glance "List image members": who an image is shared with, so retention can keep images other projects use.
import { describe, expect, it } from 'vitest';
import { useSim } from './helpers';

const A = '5f0a0000000000000000000000000001';
const B = '5f0a0000000000000000000000000002';

describe('sim IMS image members', () => {
  const t = useSim();

  it('lists every member of our image with the documented fields', async () => {
    const { c } = t;
    const [img] = (await c.admin('POST', '/seed', { images: [{ name: 'shared', members: [A, { id: B, status: 'pending' }] }] })).body
      .images;
    const r = await c.call('GET', `/ims/v2/images/${img.id}/members`);
    expect(r.status).toBe(200);
    expect(r.body.schema).toBe('/v2/schemas/members');
    expect(r.body.members).toEqual([
      expect.objectContaining({ member_id: A, image_id: img.id, status: 'accepted', schema: '/v2/schemas/member' }),
      expect.objectContaining({ member_id: B, image_id: img.id, status: 'pending' }),
    ]);
    expect(r.body.members[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.body.members[0].updated_at).toMatch(/Z$/);
    const state = (await c.admin('GET', '/state')).body.images[0];
    expect(state).toMatchObject({
      visibility: 'shared',
      members: [
        { member_id: A, status: 'accepted' },
        { member_id: B, status: 'pending' },
      ],
    });
  });

  it('a private image has none; a member sees only itself; public 403; unknown or unseen 404', async () => {
    const { c } = t;
    const [mine, given, pub, hidden] = (
      await c.admin('POST', '/seed', {
        images: [
          { name: 'mine' },
          { name: 'given', owner: A, members: [c.project, B] },
          { name: 'pub', visibility: 'public' },
          { name: 'hidden', owner: A, members: [B] },
        ],
      })
    ).body.images.map((i: { id: string }) => i.id);
    const members = (id: string) => c.call('GET', `/ims/v2/images/${id}/members`);
    expect((await members(mine)).body).toEqual({ members: [], schema: '/v2/schemas/members' });
    expect((await members(given)).body.members.map((m: { member_id: string }) => m.member_id)).toEqual([c.project]);
    expect(await members(pub)).toMatchObject({
      status: 403,
      body: { error: { code: 'IMG.0026', message: `Error fetching members of image ${pub}: Public images do not have members.` } },
    });
    expect(await members(hidden)).toMatchObject({ status: 404, body: { error: { code: 'IMG.0027' } } });
    expect((await members('nope')).status).toBe(404);
  });

  it('faults and call counts reach ims.listMembers', async () => {
    const { c } = t;
    const [img] = (await c.admin('POST', '/seed', { images: [{ name: 'x' }] })).body.images;
    await c.admin('POST', '/faults', { op: 'ims.listMembers', target: img.id, kind: 'error', status: 503 });
    expect((await c.call('GET', `/ims/v2/images/${img.id}/members`)).status).toBe(503);
    expect((await c.call('GET', `/ims/v2/images/${img.id}/members`)).status).toBe(200);
    expect((await c.admin('GET', '/oracle')).body.apiCalls.byOp['ims.listMembers']).toBe(2);
  });
});
