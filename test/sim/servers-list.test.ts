// ECS "Listing Details About ECSs" and each server's boot image: what retention reads to find images in use.
import { describe, expect, it } from 'vitest';
import { type Json, useSim } from './helpers';

const names = (r: Json): string[] => r.body.servers.map((s: { name: string }) => s.name);

describe('sim ECS server list', () => {
  const t = useSim();

  it('pages by page number (offset from 1) with count the total; default 25, at most 1000', async () => {
    const { c } = t;
    await c.admin('POST', '/seed', { servers: Array.from({ length: 30 }, (_, n) => ({ name: `vm-${n}` })) });
    const list = (q: string) => c.call('GET', `/ecs/v1/${c.project}/cloudservers/detail${q}`);
    const first = await list('');
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(30);
    expect(first.body.servers).toHaveLength(25);
    const seen = new Set<string>();
    for (let page = 1; page <= 4; page++) {
      const r = await list(`?limit=8&offset=${page}`);
      expect(r.body.count).toBe(30);
      expect(r.body.servers).toHaveLength(page < 4 ? 8 : 6);
      for (const n of names(r)) seen.add(n);
    }
    expect(seen.size).toBe(30);
    expect(names(await list('?limit=8&offset=0'))).toEqual(names(await list('?limit=8&offset=1')));
    expect((await list('?limit=8&offset=5')).body).toEqual({ count: 30, servers: [] });
    expect((await list('?limit=5000')).body.servers).toHaveLength(30);
    expect(await list('?limit=0')).toMatchObject({ status: 400, body: { error: { code: 'Ecs.0005' } } });
    expect(await list('?offset=-1')).toMatchObject({ status: 400, body: { error: { code: 'Ecs.0005' } } });
    expect((await c.admin('GET', '/oracle')).body.apiCalls.byOp['ecs.listServers']).toBeGreaterThan(5);
  });

  it('renders the same server bodies as the detail call; image {id} or "" for a server booted from a disk', async () => {
    const { c } = t;
    const seeded = (
      await c.admin('POST', '/seed', {
        images: [{ name: 'golden' }],
        servers: [{ name: 'from-image', image: 'golden' }, { name: 'from-disk', image: '' }, { name: 'default' }],
        volumes: [{ name: 'sys', size: 10, bootable: true, attachedTo: ['from-disk'] }],
      })
    ).body;
    const golden = seeded.images[0].id;
    const [fromImage, fromDisk, plain] = seeded.servers.map((s: { id: string }) => s.id);
    const list = await c.call('GET', `/ecs/v1/${c.project}/cloudservers/detail?limit=10&offset=1`);
    const byId = new Map(list.body.servers.map((s: { id: string }) => [s.id, s]));
    for (const id of [fromImage, fromDisk, plain]) expect(byId.get(id)).toEqual((await c.server(id)).body.server);
    expect((byId.get(fromImage) as Json).image).toEqual({ id: golden });
    expect((byId.get(fromDisk) as Json).image).toBe('');
    // Not named: an image the sim does not hold (as a public image would be).
    expect((byId.get(plain) as Json).image.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await c.image((byId.get(plain) as Json).image.id)).status).toBe(404);
  });

  it('filters by fuzzy name and by status', async () => {
    const { c } = t;
    await c.admin('POST', '/seed', { servers: [{ name: 'web-1' }, { name: 'web-2', status: 'SHUTOFF' }, { name: 'db-1' }] });
    const list = (q: string) => c.call('GET', `/ecs/v1/${c.project}/cloudservers/detail?${q}`);
    expect(names(await list('name=web')).sort()).toEqual(['web-1', 'web-2']);
    expect(names(await list('name=d.-1'))).toEqual(['db-1']);
    expect(names(await list('name=web(')).sort()).toEqual([]);
    expect((await list('status=SHUTOFF')).body).toMatchObject({ count: 1, servers: [{ name: 'web-2' }] });
  });

  it('faults reach ecs.listServers', async () => {
    const { c } = t;
    await c.admin('POST', '/faults', { op: 'ecs.listServers', kind: 'throttle-202' });
    const r = await c.call('GET', `/ecs/v1/${c.project}/cloudservers/detail`);
    expect(r).toMatchObject({ status: 202, body: { error: { code: 'Common.0024' } } });
    expect((await c.call('GET', `/ecs/v1/${c.project}/cloudservers/detail`)).status).toBe(200);
  });
});
