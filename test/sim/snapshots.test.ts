import { describe, expect, it } from 'vitest';
import { type Client, useSim, waitFor } from './helpers';

const bad = (message: RegExp | string) => ({
  badRequest: { code: 'EVS.5400', message: typeof message === 'string' ? message : expect.stringMatching(message) },
});

async function seed(c: Client) {
  const r = await c.admin('POST', '/seed', {
    servers: [{ name: 'app' }],
    volumes: [
      { name: 'free', size: 10 },
      { name: 'used', size: 20, attachedTo: ['app'] },
      { name: 'broken', size: 1, status: 'error' },
    ],
  });
  const [free, used, broken] = r.body.volumes.map((v: { id: string }) => v.id as string);
  return { free, used, broken };
}

const status = async (c: Client, id: string) => (await c.snapshot(id)).body.snapshot?.status;

describe('sim EVS snapshots', () => {
  const t = useSim();

  it('create answers 202 with the snapshot creating; it becomes available; show adds the extended attributes', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { snapshotMs: null } });
    const { free } = await seed(c);
    const r = await c.createSnapshot({ volume_id: free, name: 'snap-1', description: 'd', metadata: { k: 'v' } });
    expect(r.status).toBe(202);
    const s = r.body.snapshot;
    // The create page's example fields, no more.
    expect(Object.keys(s).sort()).toEqual([
      'created_at',
      'description',
      'id',
      'metadata',
      'name',
      'size',
      'status',
      'updated_at',
      'volume_id',
    ]);
    expect(s).toMatchObject({ name: 'snap-1', description: 'd', status: 'creating', size: 10, volume_id: free, metadata: { k: 'v' } });
    expect(s.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const shown = (await c.snapshot(s.id)).body.snapshot;
    expect(shown).toMatchObject({
      id: s.id,
      status: 'creating',
      'os-extended-snapshot-attributes:progress': '0%',
      'os-extended-snapshot-attributes:project_id': c.project,
    });
    await c.admin('POST', '/advance', { kind: 'snapshot', id: s.id });
    expect((await c.snapshot(s.id)).body.snapshot).toMatchObject({
      status: 'available',
      'os-extended-snapshot-attributes:progress': '100%',
    });
    // The source disk is untouched by a snapshot.
    expect((await c.volume(free)).body.volume.status).toBe('available');
  });

  it('an in-use disk needs force; other statuses and unknown disks are refused', async () => {
    const { c } = t;
    const { used, broken } = await seed(c);
    for (const force of [undefined, false, 'false']) {
      const r = await c.createSnapshot({ volume_id: used, name: 'x', ...(force === undefined ? {} : { force }) });
      expect(r).toMatchObject({
        status: 400,
        body: bad(`Invalid volume: Volume ${used} status must be available, but current status is: in-use.`),
      });
    }
    expect((await c.createSnapshot({ volume_id: used, name: 'x', force: true })).status).toBe(202);
    expect(await c.createSnapshot({ volume_id: broken, name: 'x', force: true })).toMatchObject({
      status: 400,
      body: bad('Invalid volume: The snapshot cannot be created when the volume is in error status.'),
    });
    await c.admin('PATCH', `/volumes/${used}`, { status: 'uploading' });
    expect(await c.createSnapshot({ volume_id: used, name: 'x', force: true })).toMatchObject({
      status: 400,
      body: bad(/status must be available, in-use, but current status is: uploading/),
    });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await c.createSnapshot({ volume_id: unknown })).toMatchObject({
      status: 404,
      body: { itemNotFound: { code: 'EVS.5404', message: `Volume ${unknown} could not be found.` } },
    });
    expect(await c.createSnapshot({ name: 'no volume' })).toMatchObject({ status: 400, body: bad("'volume_id' must be specified") });
    expect(await c.call('POST', `/evs/v2/${c.project}/snapshots`, { volume: {} })).toMatchObject({
      status: 400,
      body: bad("Missing required element 'snapshot' in request body."),
    });
    expect(await c.createSnapshot({ volume_id: used, force: 'maybe' })).toMatchObject({
      status: 400,
      body: bad(/Invalid value for 'force'/),
    });
  });

  it('creation takes a flat snapshotMs whatever the size', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { snapshotMs: 5000 } });
    const r = await c.admin('POST', '/seed', {
      volumes: [
        { name: 'small', size: 1 },
        { name: 'big', size: 2000 },
      ],
    });
    for (const v of r.body.volumes) await c.createSnapshot({ volume_id: v.id, name: v.name });
    const pending = (await c.admin('GET', '/state')).body.pending.filter((p: { kind: string }) => p.kind === 'snapshot');
    expect(pending).toHaveLength(2);
    for (const p of pending) expect(Date.parse(p.dueAt) - Date.parse(p.since)).toBe(5000);
  });

  it('lists: detail with exact-name, volume and status filters; summary; limit, offset and the next link', async () => {
    const { c } = t;
    const { free, used } = await seed(c);
    const ids: string[] = [];
    for (const [vid, name] of [
      [free, 'run-a'],
      [free, 'run-a-2'],
      [used, 'run-a'],
    ])
      ids.push((await c.createSnapshot({ volume_id: vid, name, force: true })).body.snapshot.id);
    const detail = (q: string) => c.call('GET', `/evs/v2/${c.project}/snapshots/detail${q}`);
    const named = (await detail('?name=run-a')).body.snapshots;
    expect(named.map((s: { id: string }) => s.id).sort()).toEqual([ids[0], ids[2]].sort());
    expect(named[0]).toHaveProperty('os-extended-snapshot-attributes:project_id', c.project);
    expect((await detail(`?name=run-a&volume_id=${used}`)).body.snapshots.map((s: { id: string }) => s.id)).toEqual([ids[2]]);
    await waitFor(async () => (await status(c, ids[0])) === 'available', 'available');
    await waitFor(async () => (await detail('?status=available')).body.snapshots.length === 3, 'all available');
    expect((await detail('?status=creating')).body.snapshots).toEqual([]);
    // Newest first; the summary list has the create answer's fields.
    const summary = (await c.call('GET', `/evs/v2/${c.project}/snapshots`)).body;
    expect(summary.snapshots.map((s: { id: string }) => s.id)).toHaveLength(3);
    expect(summary.snapshots[0]).not.toHaveProperty('os-extended-snapshot-attributes:progress');
    expect(summary).not.toHaveProperty('snapshots_links');
    const p1 = (await detail('?limit=2')).body;
    expect(p1.snapshots).toHaveLength(2);
    expect(p1.snapshots_links).toEqual([{ rel: 'next', href: expect.stringContaining(`marker=${p1.snapshots[1].id}`) }]);
    const p2 = (await c.call('GET', new URL(p1.snapshots_links[0].href).pathname + new URL(p1.snapshots_links[0].href).search)).body;
    expect(p2.snapshots).toHaveLength(1);
    expect(p2).not.toHaveProperty('snapshots_links');
    expect((await detail('?offset=1&limit=1')).body.snapshots[0].id).toBe(p1.snapshots[1].id);
    expect(await detail('?limit=0')).toMatchObject({ status: 400, body: bad('limit param must be positive.') });
    expect(await detail('?limit=x')).toMatchObject({ status: 400, body: bad('limit param must be an integer.') });
  });

  it('delete: 202, deleting, then 404; refused while creating, deleting, or a disk is being made from it', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { snapshotMs: null, deleteMs: null, volumeCreateBaseMs: null } });
    const { free } = await seed(c);
    const id = (await c.createSnapshot({ volume_id: free, name: 's' })).body.snapshot.id;
    const refused = bad('Invalid snapshot: Snapshot status must be available or error and must not be part of a group.');
    expect(await c.deleteSnapshot(id)).toMatchObject({ status: 400, body: refused });
    await c.admin('POST', '/advance', { kind: 'snapshot', id });
    const disk = (await c.createVolume({ name: 'copy', size: 10, availability_zone: 'eu-de-01', snapshot_id: id })).body.volume.id;
    expect(await c.deleteSnapshot(id)).toMatchObject({
      status: 400,
      body: bad(`Invalid snapshot: Snapshot ${id} is busy: disk ${disk} is being created from it.`),
    });
    await c.admin('POST', '/advance', { kind: 'volume', id: disk });
    const r = await c.deleteSnapshot(id);
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    expect(await status(c, id)).toBe('deleting');
    expect(await c.deleteSnapshot(id)).toMatchObject({ status: 400, body: refused });
    await c.admin('POST', '/advance', { kind: 'delete', id });
    expect(await c.snapshot(id)).toMatchObject({
      status: 404,
      body: { itemNotFound: { code: 'EVS.5404', message: `Snapshot ${id} could not be found.` } },
    });
    expect((await c.deleteSnapshot(id)).status).toBe(404);
    const types = (await c.admin('GET', '/events')).body.events
      .map((e: { type: string }) => e.type)
      .filter((x: string) => x.startsWith('snapshot.'));
    expect(types).toEqual(['snapshot.created', 'snapshot.available', 'snapshot.deleting', 'snapshot.deleted']);
  });
});
