import { describe, expect, it } from 'vitest';
import { type Client, useSim, waitFor } from './helpers';

const bad = (message: RegExp | string, code = 'EVS.5400') => ({
  badRequest: { code, message: typeof message === 'string' ? message : expect.stringMatching(message) },
});
const vstatus = async (c: Client, id: string) => (await c.volume(id)).body.volume?.status;

/** A bootable system disk with image metadata, snapshotted; returns the ids once the snapshot is available. */
async function systemSnapshot(c: Client) {
  const r = await c.admin('POST', '/seed', {
    servers: [{ name: 'win' }],
    volumes: [
      {
        name: 'sys',
        size: 40,
        bootable: true,
        attachedTo: ['win'],
        availabilityZone: 'eu-de-02',
        volumeType: 'SAS',
        volumeImageMetadata: { __os_type: 'Windows', image_id: 'base-image' },
      },
    ],
  });
  const vid = r.body.volumes[0].id as string;
  const sid = (await c.createSnapshot({ volume_id: vid, name: 'snap', force: true })).body.snapshot.id as string;
  await waitFor(async () => (await c.snapshot(sid)).body.snapshot.status === 'available', 'snapshot available');
  return { vid, sid };
}

describe('sim EVS disk create and delete', () => {
  const t = useSim();

  it('an empty disk: 202 with the disk creating, then available after base + size × per-GB', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { volumeCreateBaseMs: 1000, volumeCreateMsPerGb: 20 } });
    const r = await c.createVolume({
      name: 'blank',
      size: 10,
      availability_zone: 'eu-de-01',
      volume_type: 'SATA',
      metadata: { owner: 'x' },
    });
    expect(r.status).toBe(202);
    const v = r.body.volume;
    expect(v).toMatchObject({
      name: 'blank',
      status: 'creating',
      size: 10,
      availability_zone: 'eu-de-01',
      volume_type: 'SATA',
      bootable: 'false',
      snapshot_id: null,
      volume_image_metadata: null,
      metadata: { owner: 'x' },
      attachments: [],
      'os-vol-host-attr:host': 'eu-de-01#SATA',
    });
    const [p] = (await c.admin('GET', '/state')).body.pending;
    expect(p).toMatchObject({ kind: 'volume', id: v.id });
    expect(Date.parse(p.dueAt) - Date.parse(p.since)).toBe(1000 + 10 * 20);
    await c.admin('POST', '/advance', { kind: 'volume', id: v.id });
    expect(await vstatus(c, v.id)).toBe('available');
  });

  it('from a snapshot: bootable at once, the image metadata and snapshot_id carried over, type and zone inherited', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { volumeCreateBaseMs: null } });
    const { sid } = await systemSnapshot(c);
    const r = await c.createVolume({ name: 'copy', size: 50, availability_zone: 'eu-de-02', snapshot_id: sid });
    expect(r.status).toBe(202);
    expect(r.body.volume).toMatchObject({
      status: 'creating',
      bootable: 'true',
      snapshot_id: sid,
      volume_type: 'SAS',
      volume_image_metadata: null,
    });
    await c.admin('POST', '/advance', { kind: 'volume', id: r.body.volume.id });
    expect((await c.volume(r.body.volume.id)).body.volume).toMatchObject({
      status: 'available',
      size: 50,
      volume_image_metadata: { __os_type: 'Windows', image_id: 'base-image' },
    });
  });

  it('from a snapshot of a data disk: not bootable, no image metadata (Cinder copies it only for bootable sources)', async () => {
    const { c } = t;
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'data', size: 5, volumeImageMetadata: { k: 'v' } }] })).body.volumes[0]
      .id;
    const sid = (await c.createSnapshot({ volume_id: vid, name: 's' })).body.snapshot.id;
    await waitFor(async () => (await c.snapshot(sid)).body.snapshot.status === 'available', 'snapshot');
    const id = (await c.createVolume({ name: 'copy', size: 5, availability_zone: 'eu-de-01', snapshot_id: sid })).body.volume.id;
    await waitFor(async () => (await vstatus(c, id)) === 'available', 'disk');
    expect((await c.volume(id)).body.volume).toMatchObject({ bootable: 'false', volume_image_metadata: null });
  });

  it('refuses what Cinder and EVS refuse, with their codes', async () => {
    const { c } = t;
    const { sid } = await systemSnapshot(c);
    const base = { name: 'x', size: 40, availability_zone: 'eu-de-02', snapshot_id: sid };
    const unknown = '00000000-0000-4000-8000-000000000000';
    const cases: [Record<string, unknown>, number, unknown][] = [
      [
        { ...base, size: 39 },
        400,
        bad(
          "Invalid input received: Volume size '39'GB cannot be smaller than the snapshot size 40GB. They must be >= original snapshot size.",
        ),
      ],
      [{ ...base, size: 0 }, 400, bad(/Volume size '0' must be an integer and greater than 0/)],
      [{ ...base, size: '40' }, 400, bad(/Volume size '40' must be an integer/)],
      [{ ...base, availability_zone: undefined }, 400, bad('The az information from request is invalid!', 'EVS.2053')],
      [{ ...base, availability_zone: 'mars-1' }, 400, bad("Availability zone 'mars-1' is invalid.")],
      [
        { ...base, availability_zone: 'eu-de-01' },
        400,
        bad('Invalid input received: Volume must be in the same availability zone as the snapshot'),
      ],
      [{ ...base, volume_type: 'SSD' }, 400, bad(`Target volumeType[SSD] is not matched with snapshot[${sid}] !`, 'EVS.2096')],
      [
        { ...base, volume_type: 'FLOPPY' },
        404,
        { itemNotFound: { code: 'EVS.5404', message: 'Volume type with name FLOPPY could not be found.' } },
      ],
      [{ ...base, snapshot_id: unknown }, 404, { itemNotFound: { code: 'EVS.5404', message: `Snapshot ${unknown} could not be found.` } }],
      [{ ...base, imageRef: 'img' }, 400, bad(/does not implement imageRef/)],
      [{ ...base, metadata: { k: null } }, 400, bad(/metadata must map strings to strings/)],
      [{ ...base, size: 40000 }, 413, { overLimit: { code: 'EVS.5413', message: expect.stringMatching(/^VolumeSizeExceedsLimit: /) } }],
    ];
    for (const [body, status, reply] of cases) {
      const r = await c.createVolume(JSON.parse(JSON.stringify(body)));
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body).toEqual(reply);
    }
    // A snapshot not yet available.
    await c.admin('PUT', '/config', { timings: { snapshotMs: null } });
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 1 }] })).body.volumes[0].id;
    const creating = (await c.createSnapshot({ volume_id: vid, name: 'c' })).body.snapshot.id;
    expect(await c.createVolume({ name: 'x', size: 1, availability_zone: 'eu-de-01', snapshot_id: creating })).toMatchObject({
      status: 400,
      body: bad("Invalid snapshot: Originating snapshot status must be one of 'available' values"),
    });
  });

  it('volumes/detail filters by exact name and status; the summary list has id, name, links', async () => {
    const { c } = t;
    await c.admin('POST', '/seed', {
      volumes: [
        { name: 'run-1', size: 1 },
        { name: 'run-10', size: 1 },
      ],
    });
    // Manual transitions: the new disk stays `creating`, whatever the machine's load.
    await c.admin('PUT', '/config', { timings: { volumeCreateBaseMs: null } });
    const id = (await c.createVolume({ name: 'run-1', size: 1, availability_zone: 'eu-de-01' })).body.volume.id;
    const detail = (q: string) => c.call('GET', `/evs/v2/${c.project}/volumes/detail${q}`);
    const named = (await detail('?name=run-1')).body.volumes;
    expect(named).toHaveLength(2);
    expect(named[0]).toMatchObject({ id, name: 'run-1', status: 'creating' });
    expect((await detail('?name=run-1&status=creating')).body.volumes.map((v: { id: string }) => v.id)).toEqual([id]);
    expect((await detail('?name=nothing')).body).toEqual({ volumes: [] });
    const summary = (await c.call('GET', `/evs/v2/${c.project}/volumes?name=run-10`)).body.volumes;
    expect(summary).toHaveLength(1);
    expect(Object.keys(summary[0]).sort()).toEqual(['id', 'links', 'name']);
  });

  it('delete: 202, deleting, then 404; refused while attached, busy or with snapshots; cascade takes them along', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { deleteMs: null, uploadBaseMs: null, volumeCreateBaseMs: null } });
    const seeded = (
      await c.admin('POST', '/seed', {
        servers: [{ name: 's' }],
        volumes: [
          { name: 'used', size: 1, attachedTo: ['s'] },
          { name: 'free', size: 1 },
          { name: 'up', size: 1 },
          { name: 'snapped', size: 1 },
        ],
      })
    ).body;
    const [used, free, up, snapped] = seeded.volumes.map((v: { id: string }) => v.id);
    const refused = bad(
      'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.',
    );
    await c.upload(up, { image_name: 'busy' });
    const creating = (await c.createVolume({ name: 'new', size: 1, availability_zone: 'eu-de-01' })).body.volume.id;
    const sid = (await c.createSnapshot({ volume_id: snapped, name: 's' })).body.snapshot.id;
    await c.admin('PATCH', `/volumes/${free}`, { status: 'downloading' });
    for (const id of [used, up, creating, snapped, free])
      expect(await c.deleteVolume(id), id).toMatchObject({ status: 400, body: refused });
    // An available disk that is still attached is refused too (Cinder checks attach_status apart from status).
    await c.admin('PATCH', `/volumes/${used}`, { status: 'available' });
    expect((await c.deleteVolume(used)).status).toBe(400);

    await c.admin('PATCH', `/volumes/${free}`, { status: 'available' });
    const r = await c.deleteVolume(free);
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    expect(await vstatus(c, free)).toBe('deleting');
    expect(await c.deleteVolume(free)).toMatchObject({ status: 400, body: refused });
    await c.admin('POST', '/advance', { kind: 'delete', id: free });
    expect((await c.volume(free)).status).toBe(404);
    expect(await c.deleteVolume(free)).toMatchObject({ status: 404, body: { itemNotFound: { code: 'EVS.5404' } } });

    await waitFor(async () => (await c.snapshot(sid)).body.snapshot.status === 'available', 'snapshot');
    expect((await c.deleteVolume(snapped, '?cascade=true')).status).toBe(202);
    expect((await c.snapshot(sid)).body.snapshot.status).toBe('deleting');
    for (const id of [sid, snapped]) await c.admin('POST', '/advance', { kind: 'delete', id });
    expect((await c.snapshot(sid)).status).toBe(404);
    expect((await c.volume(snapped)).status).toBe(404);
  });
});
