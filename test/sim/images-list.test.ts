// What a retention run reads from IMS: a lineage's images by tags (AND) and owner, newest first, page by page.
import { describe, expect, it } from 'vitest';
import { type Client, type Json, useSim } from './helpers';

const OTHER = '5f0a0000000000000000000000000001';
const ids = (r: Json): string[] => r.body.images.map((i: { id: string }) => i.id);

/** Five images of lineage `gold`+`web`, one day apart (g1 oldest), and decoys lacking one tag or someone else's. */
async function seedLineage(c: Client): Promise<string[]> {
  const day = (n: number) => `2026-01-0${n}T00:00:00Z`;
  const r = await c.admin('POST', '/seed', {
    images: [
      ...[1, 2, 3, 4, 5].map((n) => ({ name: `g${n}`, tags: ['gold', 'web'], createdAt: day(n) })),
      { name: 'only-gold', tags: ['gold'], createdAt: day(6) },
      { name: 'only-web', tags: ['web'], createdAt: day(7) },
      { name: 'theirs', tags: ['gold', 'web'], owner: OTHER, createdAt: day(8) },
    ],
  });
  expect(r.status).toBe(200);
  return r.body.images.slice(0, 5).map((i: { id: string }) => i.id);
}

describe('sim IMS image list for retention', () => {
  const t = useSim();

  it('repeated tag is an AND; owner narrows to a project; newest first by default', async () => {
    const { c } = t;
    const g = await seedLineage(c);
    const both = await c.call('GET', `/ims/v2/images?tag=gold&tag=web&owner=${c.project}`);
    expect(both.status).toBe(200);
    expect(ids(both)).toEqual([...g].reverse());
    expect(both.body.images[0]).toMatchObject({ name: 'g5', tags: ['gold', 'web'], created_at: '2026-01-05T00:00:00Z' });
    // Without owner, another project's image is not listed either: it is neither public nor shared with us.
    expect(ids(await c.call('GET', '/ims/v2/images?tag=gold&tag=web'))).toHaveLength(5);
    expect((await c.call('GET', '/ims/v2/images?tag=gold')).body.images.map((i: { name: string }) => i.name)).toContain('only-gold');
    expect(ids(await c.call('GET', `/ims/v2/images?tag=gold&owner=${OTHER}`))).toEqual([]);
    expect(ids(await c.call('GET', '/ims/v2/images?tag=gold&tag=web&tag=nope'))).toEqual([]);
  });

  it('pages with limit and marker; next names the last id and is absent on the last page', async () => {
    const { c } = t;
    const g = await seedLineage(c);
    const seen: string[] = [];
    let url: string | undefined = `/ims/v2/images?tag=gold&owner=${c.project}&limit=2&sort_key=created_at&sort_dir=desc`;
    const nexts: string[] = [];
    while (url) {
      const page: Json = await c.call('GET', url);
      expect(page.status).toBe(200);
      seen.push(...ids(page));
      if (page.body.next) nexts.push(page.body.next);
      url = page.body.next ? `/ims${page.body.next}` : undefined;
    }
    // only-gold is the newest with tag gold; then g5..g1: 6 images, 3 pages.
    expect(seen).toHaveLength(6);
    expect(seen.slice(1)).toEqual([...g].reverse());
    expect(nexts).toHaveLength(2);
    expect(nexts[0]).toBe(`/v2/images?tag=gold&owner=${c.project}&limit=2&sort_key=created_at&sort_dir=desc&marker=${seen[1]}`);
  });

  it('first and next keep one value per key, the last tag only, as Glance builds them; a client re-filters', async () => {
    const { c } = t;
    const g = await seedLineage(c);
    const p1 = await c.call('GET', '/ims/v2/images?tag=gold&tag=web&limit=3');
    expect(ids(p1)).toEqual([g[4], g[3], g[2]]);
    expect(p1.body.first).toBe('/v2/images?tag=web&limit=3');
    expect(p1.body.next).toBe(`/v2/images?tag=web&limit=3&marker=${g[2]}`);
    // The next page is filtered by `web` alone: nothing newer than the marker, so only-web is not on it.
    const p2 = await c.call('GET', `/ims${p1.body.next}`);
    expect(ids(p2)).toEqual([g[1], g[0]]);
    expect(p2.body.next).toBeUndefined();
  });

  it('sorts by name or created_at either way; ties by created_at then id; refuses bad sort, limit and marker', async () => {
    const { c } = t;
    const g = await seedLineage(c);
    const byName = await c.call('GET', '/ims/v2/images?tag=web&sort_key=name&sort_dir=asc');
    expect(byName.body.images.map((i: { name: string }) => i.name)).toEqual(['g1', 'g2', 'g3', 'g4', 'g5', 'only-web']);
    expect(ids(await c.call('GET', '/ims/v2/images?tag=gold&tag=web&sort_dir=asc'))).toEqual(g);
    const bad = async (q: string) => (await c.call('GET', `/ims/v2/images?${q}`)).body;
    expect(await bad('sort_key=owner')).toMatchObject({
      error: { code: 'IMG.0001', message: expect.stringMatching(/Invalid sort key: owner/) },
    });
    expect(await bad('sort_dir=up')).toMatchObject({ error: { code: 'IMG.0001' } });
    expect(await bad('limit=-1')).toMatchObject({ error: { message: expect.stringMatching(/limit param must be positive/) } });
    expect(await bad('limit=two')).toMatchObject({ error: { message: expect.stringMatching(/limit param must be an integer/) } });
    expect((await c.call('GET', `/ims/v2/images?marker=${'0'.repeat(8)}-0000-0000-0000-000000000000`)).status).toBe(400);
    // Glance cuts a limit above its maximum (1000) instead of refusing it.
    expect(ids(await c.call('GET', '/ims/v2/images?tag=gold&tag=web&limit=5000'))).toHaveLength(5);
  });

  it('renders protected and visibility, and filters on them; default limit 25', async () => {
    const { c } = t;
    await c.admin('POST', '/seed', {
      images: [
        { name: 'locked', protected: true },
        { name: 'shared', members: [OTHER] },
        { name: 'pub', visibility: 'public' },
        ...Array.from({ length: 30 }, (_, n) => ({ name: `bulk-${n}` })),
      ],
    });
    const all = await c.call('GET', '/ims/v2/images');
    expect(all.body.images).toHaveLength(25);
    expect(all.body.next).toMatch(/^\/v2\/images\?marker=/);
    const one = async (q: string) => (await c.call('GET', `/ims/v2/images?${q}`)).body.images.map((i: { name: string }) => i.name);
    expect(await one('protected=true')).toEqual(['locked']);
    expect(await one('visibility=shared')).toEqual(['shared']);
    expect(await one('visibility=public')).toEqual(['pub']);
    // IMS: `visibility=private` leaves out private images shared with others.
    expect(await one('visibility=private&limit=100')).not.toContain('shared');
    const [locked] = (await c.call('GET', '/ims/v2/images?name=locked')).body.images;
    expect(locked).toMatchObject({ protected: true, visibility: 'private', __imagetype: 'private', status: 'active', owner: c.project });
    const [pub] = (await c.call('GET', '/ims/v2/images?name=pub')).body.images;
    expect(pub).toMatchObject({ protected: false, visibility: 'public', __imagetype: 'gold' });
    expect((await c.call('GET', '/ims/v2/images?protected=yes')).status).toBe(400);
  });

  it('lists images shared with us once accepted (member_status), with __imagetype shared', async () => {
    const { c } = t;
    await c.admin('POST', '/seed', {
      images: [
        { name: 'given', owner: OTHER, members: [c.project] },
        { name: 'offered', owner: OTHER, members: [{ id: c.project, status: 'pending' }] },
      ],
    });
    const names = async (q = '') => (await c.call('GET', `/ims/v2/images${q}`)).body.images.map((i: { name: string }) => i.name);
    expect(await names()).toEqual(['given']);
    expect(await names('?member_status=pending')).toEqual(['offered']);
    expect((await names('?member_status=all')).sort()).toEqual(['given', 'offered']);
    const [given] = (await c.call('GET', '/ims/v2/images?name=given')).body.images;
    expect(given).toMatchObject({ owner: OTHER, visibility: 'shared', __imagetype: 'shared' });
  });
});
