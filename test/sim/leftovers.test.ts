import { describe, expect, it } from 'vitest';
import { useSim, waitFor } from './helpers';

describe('sim oracle: leftovers and the snapshot/disk event log', () => {
  const t = useSim();

  it('lists every snapshot and API-created disk until it is gone, never a seeded disk', async () => {
    const { c } = t;
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'seeded', size: 3 }] })).body.volumes[0].id;
    const leftovers = async () => (await c.admin('GET', '/oracle')).body.leftovers;
    expect(await leftovers()).toEqual([]);
    // Manual transitions: what is `creating` stays so until advanced, whatever the machine's load.
    await c.admin('PUT', '/config', { timings: { snapshotMs: null, volumeCreateBaseMs: null } });
    const sid = (await c.createSnapshot({ volume_id: vid, name: 'snap' })).body.snapshot.id;
    expect(await leftovers()).toEqual([{ kind: 'snapshot', id: sid, name: 'snap', status: 'creating' }]);
    await c.admin('POST', '/advance', { kind: 'snapshot', id: sid });
    await waitFor(async () => (await c.snapshot(sid)).body.snapshot.status === 'available', 'snapshot');
    const copy = (await c.createVolume({ name: 'copy', size: 3, availability_zone: 'eu-de-01', snapshot_id: sid })).body.volume.id;
    expect(await leftovers()).toEqual([
      { kind: 'snapshot', id: sid, name: 'snap', status: 'available' },
      { kind: 'volume', id: copy, name: 'copy', status: 'creating' },
    ]);
    await c.admin('POST', '/advance', { kind: 'volume', id: copy });
    await waitFor(async () => (await c.volume(copy)).body.volume.status === 'available', 'copy');
    await c.admin('PUT', '/config', { timings: { deleteMs: null } });
    await c.deleteVolume(copy);
    await c.deleteSnapshot(sid);
    // Deleting is not gone yet.
    expect((await leftovers()).map((l: { status: string }) => l.status)).toEqual(['deleting', 'deleting']);
    for (const id of [copy, sid]) await c.admin('POST', '/advance', { kind: 'delete', id });
    expect(await leftovers()).toEqual([]);
    // The seeded disk may be deleted too; it never was a leftover.
    await c.deleteVolume(vid);
    expect(await leftovers()).toEqual([]);

    const events = (await c.admin('GET', '/events')).body.events.filter((e: { type: string }) =>
      /^(snapshot|volume)\.(created|available|deleted)$/.test(e.type),
    );
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'snapshot.created',
      'snapshot.available',
      'volume.created',
      'volume.available',
      'volume.deleted',
      'snapshot.deleted',
    ]);
    expect(events[0]).toMatchObject({ snapshotId: sid, name: 'snap', volumeId: vid });
    expect(events[2]).toMatchObject({ volumeId: copy, name: 'copy', snapshotId: sid, size: 3 });
  });

  it('/state shows snapshots; seeding takes zone, type, description, metadata and image metadata', async () => {
    const { c } = t;
    const vid = (
      await c.admin('POST', '/seed', {
        servers: [{ name: 'vm' }],
        volumes: [
          {
            name: 'sys',
            size: 40,
            bootable: true,
            attachedTo: ['vm'],
            availabilityZone: 'eu-de-03',
            volumeType: 'GPSSD',
            description: 'system disk',
            metadata: { team: 'a' },
            volumeImageMetadata: { __os_type: 'Linux', image_id: 'img-1' },
          },
        ],
      })
    ).body.volumes[0].id;
    expect((await c.volume(vid)).body.volume).toMatchObject({
      availability_zone: 'eu-de-03',
      volume_type: 'GPSSD',
      description: 'system disk',
      bootable: 'true',
      metadata: { team: 'a', attached_mode: 'rw' },
      volume_image_metadata: { __os_type: 'Linux', image_id: 'img-1' },
    });
    await c.admin('PUT', '/config', { timings: { snapshotMs: null } });
    const sid = (await c.createSnapshot({ volume_id: vid, name: 's', force: true })).body.snapshot.id;
    const state = (await c.admin('GET', '/state')).body;
    expect(state.snapshots).toEqual([expect.objectContaining({ id: sid, volume_id: vid, status: 'creating' })]);
    expect(state.pending).toEqual([expect.objectContaining({ kind: 'snapshot', id: sid })]);
    expect((await c.admin('POST', '/seed', { volumes: [{ name: 'x', size: 1, volumeType: 'TAPE' }] })).status).toBe(400);
  });
});
