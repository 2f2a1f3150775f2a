import { describe, expect, it } from 'vitest';
import { type Client, useSim, waitFor } from './helpers';

async function topology(c: Client) {
  const r = (
    await c.admin('POST', '/seed', {
      servers: [{ name: 'a' }, { name: 'b' }, { name: 'off', status: 'SHUTOFF' }],
      volumes: [{ name: 'shared', size: 4, multiattach: true, attachedTo: ['a', 'b', 'off'] }],
    })
  ).body;
  return { vid: r.volumes[0].id as string, a: r.servers[0].id as string, b: r.servers[1].id as string, off: r.servers[2].id as string };
}

const oracle = async (c: Client) => (await c.admin('GET', '/oracle')).body;
const jobDone = (c: Client, jobId: string) =>
  waitFor(async () => ['SUCCESS', 'FAIL'].includes((await c.job(jobId)).body.status), `job ${jobId}`);

describe('sim oracle', () => {
  const t = useSim();

  it('P1: a forced export under running servers is a violation, one per attached running server', async () => {
    const { c } = t;
    const { vid, a, b } = await topology(c);
    const r = await c.upload(vid, { image_name: 'unsafe', force: true });
    expect(r.status).toBe(202);
    const imageId = r.body['os-volume_upload_image'].image_id;
    const o = await oracle(c);
    expect(o.p1Violations).toHaveLength(2);
    expect(o.p1Violations.map((v: { serverId: string }) => v.serverId).sort()).toEqual([a, b].sort());
    expect(o.p1Violations[0]).toMatchObject({ volumeId: vid, imageId, serverStatus: 'ACTIVE', taskState: null, at: expect.any(String) });
    const events = (await c.admin('GET', '/events')).body.events;
    expect(events.filter((e: { type: string }) => e.type === 'p1.violation')).toHaveLength(2);
  });

  it('P1: the same export after a proper stop shows no violation, and restarting afterwards is clean', async () => {
    const { c } = t;
    const { vid, a, b } = await topology(c);
    await jobDone(c, (await c.stop([a, b])).body.job_id);
    const imageId = (await c.upload(vid, { image_name: 'safe', force: true })).body['os-volume_upload_image'].image_id;
    await waitFor(async () => (await c.volume(vid)).body.volume.status === 'in-use', 'released');
    await jobDone(c, (await c.start([a, b])).body.job_id);
    await waitFor(async () => (await c.image(imageId)).body.status === 'active', 'active');
    const o = await oracle(c);
    expect(o.p1Violations).toEqual([]);
    expect(o.serversNotRestored).toEqual([]);
    expect(o.duplicateExports).toEqual([]);
    expect(o.orphanedImages).toEqual([]);
    expect(o.exports).toEqual([
      {
        volumeId: vid,
        imageId,
        imageName: 'safe',
        force: true,
        requestedAt: expect.any(String),
        uploadEndedAt: expect.any(String),
        imageStatus: 'active',
      },
    ]);
  });

  it('P1: a server state change while the disk uploads is a violation (start, stop begin), admin patches are not', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: null, startMs: null } });
    const { vid, a, b, off } = await topology(c);
    await jobDone(c, (await c.stop([a, b])).body.job_id);
    await c.upload(vid, { image_name: 'x', force: true });
    expect((await oracle(c)).p1Violations).toEqual([]);
    await c.start([off]);
    let o = await oracle(c);
    expect(o.p1Violations).toEqual([expect.objectContaining({ serverId: off, serverStatus: 'SHUTOFF', taskState: 'powering-on' })]);
    await c.admin('POST', '/advance', { kind: 'start', id: off });
    o = await oracle(c);
    expect(o.p1Violations).toHaveLength(2);
    expect(o.p1Violations[1]).toMatchObject({ serverId: off, serverStatus: 'ACTIVE', taskState: null });
    await c.admin('PATCH', `/servers/${a}`, { status: 'ACTIVE' });
    expect((await oracle(c)).p1Violations).toHaveLength(2);
    expect(
      (await c.admin('GET', '/events')).body.events.some((e: { type: string; id?: string }) => e.type === 'admin.patch' && e.id === a),
    ).toBe(true);
    await c.admin('POST', '/advance', { kind: 'upload', id: vid });
    expect((await c.volume(vid)).body.volume.status).toBe('in-use');
  });

  it('reports servers not restored, against the seeding baseline or a new one', async () => {
    const { c } = t;
    const { a, b, off } = await topology(c);
    await jobDone(c, (await c.stop([a, b, off])).body.job_id);
    let o = await oracle(c);
    expect(o.serversNotRestored.map((s: { serverId: string }) => s.serverId).sort()).toEqual([a, b].sort());
    expect(o.serversNotRestored.find((s: { serverId: string }) => s.serverId === a)).toEqual({
      serverId: a,
      name: 'a',
      baseline: 'ACTIVE',
      now: 'SHUTOFF',
    });
    await jobDone(c, (await c.start([a])).body.job_id);
    o = await oracle(c);
    expect(o.serversNotRestored.map((s: { serverId: string }) => s.serverId)).toEqual([b]);
    await c.admin('POST', '/oracle/baseline');
    expect((await oracle(c)).serversNotRestored).toEqual([]);
  });

  it('reports duplicate exports of one (disk, image name)', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: 0, uploadMsPerGb: 0 } });
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 1 }] })).body.volumes[0].id;
    const first = (await c.upload(vid, { image_name: 'twice' })).body['os-volume_upload_image'].image_id;
    await waitFor(async () => (await c.volume(vid)).body.volume.status === 'available', 'released');
    const second = (await c.upload(vid, { image_name: 'twice' })).body['os-volume_upload_image'].image_id;
    await waitFor(async () => (await c.volume(vid)).body.volume.status === 'available', 'released');
    await c.upload(vid, { image_name: 'other' });
    expect((await oracle(c)).duplicateExports).toEqual([{ volumeId: vid, imageName: 'twice', imageIds: [first, second] }]);
  });

  it('counts API calls by operation, including refused and faulted ones, but not admin calls', async () => {
    const { c } = t;
    const { vid, a } = await topology(c);
    await c.volume(vid);
    await c.volume(vid);
    await c.server(a);
    await c.upload(vid, { image_name: 'x' }); // refused: in-use without force
    await c.admin('POST', '/faults', { op: 'ims.getImage', kind: 'error' });
    await c.image('x');
    await c.call('GET', '/ims/v2/images');
    const calls = (await oracle(c)).apiCalls;
    // One keystone.token from the helper's login.
    expect(calls).toEqual({
      total: 7,
      byOp: { 'ecs.getServer': 1, 'evs.getVolume': 2, 'evs.uploadImage': 1, 'ims.getImage': 1, 'ims.listImages': 1, 'keystone.token': 1 },
    });
  });

  it('measures stops, starts and downtime intervals from powering-off to ACTIVE', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { stopMs: null, startMs: null } });
    const { a, b } = await topology(c);
    await c.stop([a]);
    let tally = (await oracle(c)).servers[a];
    expect(tally).toMatchObject({ stops: 1, starts: 0, downIntervals: [{ stoppedAt: expect.any(String), startedAt: null }] });
    await c.admin('POST', '/advance', { kind: 'stop', id: a });
    await c.start([a]);
    await c.admin('POST', '/advance', { kind: 'start', id: a });
    const o = await oracle(c);
    tally = o.servers[a];
    expect(tally.stops).toBe(1);
    expect(tally.starts).toBe(1);
    const [i] = tally.downIntervals;
    expect(tally.downtimeMs).toBe(Date.parse(i.startedAt) - Date.parse(i.stoppedAt));
    expect(Date.parse(i.startedAt)).toBeGreaterThanOrEqual(Date.parse(i.stoppedAt));
    expect(o.servers[b]).toEqual({ stops: 0, starts: 0, downtimeMs: 0, downIntervals: [] });
    const types = (await c.admin('GET', '/events')).body.events
      .map((e: { type: string }) => e.type)
      .filter((x: string) => x.startsWith('server.'));
    expect(types).toEqual(['server.stopping', 'server.stopped', 'server.starting', 'server.started']);
  });

  it('manual transitions wait for /__sim/advance and show up in /__sim/state', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { uploadBaseMs: null, imageActivateMs: null } });
    const vid = (await c.admin('POST', '/seed', { volumes: [{ name: 'd', size: 3 }] })).body.volumes[0].id;
    const imageId = (await c.upload(vid, { image_name: 'manual' })).body['os-volume_upload_image'].image_id;
    await waitFor(async () => (await c.image(imageId)).body.status === 'saving', 'saving');
    let state = (await c.admin('GET', '/state')).body;
    expect(state.pending).toEqual([{ kind: 'upload', id: vid, since: expect.any(String), dueAt: null }]);
    expect(state.volumes[0]).toMatchObject({ id: vid, status: 'uploading', locked: false });
    expect((await c.admin('POST', '/advance', { kind: 'image', id: imageId })).status).toBe(404);
    expect((await c.admin('POST', '/advance', { kind: 'upload', id: vid })).body).toMatchObject({ kind: 'upload', id: vid });
    expect((await c.volume(vid)).body.volume.status).toBe('available');
    expect((await c.image(imageId)).body.status).toBe('saving');
    state = (await c.admin('GET', '/state')).body;
    expect(state.pending).toEqual([{ kind: 'image', id: imageId, since: expect.any(String), dueAt: null }]);
    await c.admin('POST', '/advance', { kind: 'image', id: imageId });
    expect((await c.image(imageId)).body.status).toBe('active');
    expect((await c.admin('POST', '/advance', { kind: 'bogus', id: vid })).status).toBe(400);
  });

  it('reset empties the world, restores the config and forgets faults and oracle figures', async () => {
    const { c } = t;
    await topology(c);
    await c.admin('PUT', '/config', { timings: { stopMs: 5 } });
    await c.admin('POST', '/faults', { op: '*', kind: 'delay', delayMs: 1 });
    expect((await c.admin('POST', '/reset')).status).toBe(200);
    const state = (await c.admin('GET', '/state')).body;
    expect(state).toEqual({ volumes: [], servers: [], images: [], jobs: [], snapshots: [], evsJobs: [], pending: [] });
    expect((await c.admin('GET', '/config')).body.timings.stopMs).toBe(30);
    expect((await c.admin('GET', '/faults')).body.faults).toEqual([]);
    expect((await oracle(c)).apiCalls.total).toBe(0);
    // Tokens went with the world.
    expect((await c.call('GET', '/ims/v2/images')).status).toBe(401);
    expect((await c.admin('PUT', '/config', { timings: { stopMs: -1 } })).status).toBe(400);
    expect((await c.admin('POST', '/seed', { volumes: [{ name: 'x', size: 1, attachedTo: ['nobody'] }] })).status).toBe(400);
    expect(
      (
        await c.admin('POST', '/seed', {
          servers: [{ name: 'p' }, { name: 'q' }],
          volumes: [{ name: 'x', size: 1, attachedTo: ['p', 'q'] }],
        })
      ).body.error.message,
    ).toMatch(/multiattach/);
  });
});
