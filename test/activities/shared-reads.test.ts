// The waits' shared reads of disks in `uploading`, against the simulator over real HTTP through the real cloud
// client: a read alone is a GET, reads asked together or while one is on its way are one listing, and every
// answer comes from a request sent after its question.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageFindsFor, serverGetsFor, UploadingDisks, uploadingDisksFor, volumeGetsFor } from '../../src/activities/shared-reads';
import { type CloudApi, createCloudClient, loadCloudConfig } from '../../src/cloud';
import { createSim, type SimServer } from '../../src/sim';
import { FAST } from '../sim/helpers';

let sim: SimServer;
let cloud: CloudApi;

beforeAll(async () => {
  // Uploads that last (5 GB at 2 s/GB) while the reads look at them.
  sim = await createSim({ config: { timings: { ...FAST, uploadMsPerGb: 2000 } } });
  cloud = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), { rateLimit: false });
});
afterAll(async () => {
  await cloud.close();
  await sim.close();
});
beforeEach(() => sim.sim.reset());

/** Three loose disks, the first two uploading. */
async function disks(): Promise<string[]> {
  const s = sim.sim.seed({ volumes: ['a', 'b', 'c'].map((name) => ({ name, size: 5 })) });
  const ids = s.volumes.map((v) => v.id);
  for (const id of ids.slice(0, 2)) await cloud.evs.uploadImage(id, { imageName: `img-${id}`, force: false });
  return ids;
}

const calls = (op: string) => sim.sim.oracle().apiCalls.byOp[op] ?? 0;

describe('UploadingDisks', () => {
  it('answers a read alone with a GET of its disk, whatever its status', async () => {
    const [a, , c] = await disks();
    const reads = new UploadingDisks(cloud);
    expect((await reads.read(a))?.status).toBe('uploading');
    expect((await reads.read(c))?.status).toBe('available');
    expect([calls('evs.getVolume'), calls('evs.listVolumes')]).toEqual([2, 0]);
  });

  it('answers reads asked together with one listing of the disks in uploading: a disk not in it has left', async () => {
    const [a, b, c] = await disks();
    const reads = new UploadingDisks(cloud);
    const seen = await Promise.all([a, b, c].map((id) => reads.read(id)));
    expect(seen.map((v) => v?.status)).toEqual(['uploading', 'uploading', undefined]);
    expect(seen[0]?.id).toBe(a);
    expect([calls('evs.getVolume'), calls('evs.listVolumes')]).toEqual([0, 1]);
  });

  it('sends the reads asked while a request is on its way after it, as one, and counts each call once', async () => {
    const [a, b, c] = await disks();
    // Every request takes 150 ms at the simulator: the later reads are asked while the first is on its way.
    sim.sim.addFault({ op: 'evs.getVolume', kind: 'delay', delayMs: 150, times: 0 });
    const reads = new UploadingDisks(cloud);
    const counted: string[] = [];
    const o = { onAttempt: (op: string) => counted.push(op) };
    const first = reads.read(a, o);
    await new Promise((r) => setTimeout(r, 50));
    const later = await Promise.all([reads.read(b, o), reads.read(c, o)]);
    expect((await first)?.status).toBe('uploading');
    expect(later.map((v) => v?.status)).toEqual(['uploading', undefined]);
    expect([calls('evs.getVolume'), calls('evs.listVolumes')]).toEqual([1, 1]);
    expect(counted).toEqual(['evs.getVolume', 'evs.listVolumes']);
  });

  it('does not answer a read with a listing sent before it was asked', async () => {
    const [a, b, c] = await disks();
    sim.sim.addFault({ op: 'evs.listVolumes', kind: 'delay', delayMs: 150, times: 0 });
    const reads = new UploadingDisks(cloud);
    const listing = Promise.all([reads.read(a), reads.read(b)]);
    await new Promise((r) => setTimeout(r, 50));
    // Asked while the listing is on its way: its own request follows (a GET, alone), not the listing's answer.
    expect((await reads.read(c))?.status).toBe('available');
    await listing;
    expect([calls('evs.getVolume'), calls('evs.listVolumes')]).toEqual([1, 1]);
  });

  it('lets a cancelled read go without failing the others that share its request', async () => {
    const [a, b] = await disks();
    sim.sim.addFault({ op: 'evs.listVolumes', kind: 'delay', delayMs: 150, times: 0 });
    const reads = new UploadingDisks(cloud);
    const ac = new AbortController();
    const cancelled = reads.read(a, { signal: ac.signal });
    const other = reads.read(b);
    ac.abort(new Error('activity cancelled'));
    await expect(cancelled).rejects.toThrow('activity cancelled');
    expect((await other)?.status).toBe('uploading');
  });

  it("answers whether a server's disk uploads from a listing, with the reads asked beside it", async () => {
    const s = sim.sim.seed({
      servers: [{ name: 'busy' }, { name: 'idle' }],
      volumes: [
        { name: 'x', size: 5, attachedTo: ['busy'] },
        { name: 'y', size: 5, attachedTo: ['idle'] },
      ],
    });
    const [busy, idle] = s.servers.map((x) => x.id);
    const [x, y] = s.volumes.map((v) => v.id);
    await cloud.evs.uploadImage(x, { imageName: 'img-x', force: true });
    const reads = new UploadingDisks(cloud);
    const seen = await Promise.all([reads.uploadingOn(busy), reads.uploadingOn(idle), reads.read(y)]);
    expect(seen).toEqual([true, false, undefined]);
    expect([calls('evs.getVolume'), calls('evs.listVolumes')]).toEqual([0, 1]);
    // Alone, it is a listing too: no disk id to read.
    expect(await reads.uploadingOn(idle)).toBe(false);
    expect(calls('evs.listVolumes')).toBe(2);
  });

  it('answers the reads of a listing the cloud refused by reading each disk by id', async () => {
    const [a, b, c] = await disks();
    sim.sim.addFault({ op: 'evs.listVolumes', kind: 'error', status: 404, times: 1 });
    const reads = new UploadingDisks(cloud);
    const seen = await Promise.all([a, b, c].map((id) => reads.read(id)));
    expect(seen.map((v) => v?.status)).toEqual(['uploading', 'uploading', 'available']);
    expect([calls('evs.listVolumes'), calls('evs.getVolume')]).toEqual([1, 3]);
  });

  it('fails the reads that share a GET the cloud refused, and serves the next ones afresh', async () => {
    const [a] = await disks();
    sim.sim.addFault({ op: 'evs.getVolume', kind: 'error', status: 400, times: 1 });
    const reads = new UploadingDisks(cloud);
    const failed = await Promise.allSettled([reads.read(a), reads.read(a)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await reads.read(a))?.status).toBe('uploading');
  });

  it('decides what to send when its token comes: reads asked while it waited go out with it as one listing', async () => {
    const [a, b, c] = await disks();
    const slow = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), { rateLimit: { requestsPerSecond: 5, burst: 1 } });
    try {
      await slow.evs.getVolume(c);
      const before = [calls('evs.getVolume'), calls('evs.listVolumes')];
      const reads = new UploadingDisks(slow);
      const first = reads.read(a);
      // Asked in a later turn, while the first read waits for its token (about 200 ms).
      await new Promise((r) => setTimeout(r, 50));
      const seen = await Promise.all([first, reads.read(b), reads.read(c)]);
      expect(seen.map((v) => v?.status)).toEqual(['uploading', 'uploading', undefined]);
      expect([calls('evs.getVolume') - before[0], calls('evs.listVolumes') - before[1]]).toEqual([0, 1]);
    } finally {
      await slow.close();
    }
  });

  it("keeps a lane's reads apart: a restart's read overtakes a listing queued behind other reads", async () => {
    const [a, b, c] = await disks();
    // A budget of 5 requests/s, its one token taken: every request below waits its turn in its lane.
    const slow = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), { rateLimit: { requestsPerSecond: 5, burst: 1 } });
    try {
      await slow.evs.getVolume(c);
      const done: string[] = [];
      const normal = uploadingDisksFor(slow);
      const listing = Promise.all([normal.read(a), normal.read(b)]).then(() => done.push('listing'));
      const others = Promise.all([0, 1].map(() => slow.evs.getVolume(c))).then(() => done.push('other reads'));
      const urgent = uploadingDisksFor(slow, 'urgent');
      expect(urgent).not.toBe(normal);
      const restart = urgent.read(c, { priority: 'urgent' }).then(() => done.push('restart'));
      await Promise.all([listing, others, restart]);
      expect(done[0]).toBe('restart');
      expect(done).toHaveLength(3);
    } finally {
      await slow.close();
    }
  });
});

describe('GatheredReads (server and disk reads)', () => {
  /** A client with a budget of 5 requests/s whose one token is taken: the reads asked next wait for theirs. */
  async function saturated(): Promise<CloudApi> {
    const slow = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), { rateLimit: { requestsPerSecond: 5, burst: 1 } });
    await slow.profile();
    await slow.budget().take();
    return slow;
  }

  it('answers the reads of a server asked while its GET waits for a token with that GET, and later reads afresh', async () => {
    const s = sim.sim.seed({ servers: [{ name: 'one' }] });
    const [one] = s.servers.map((x) => x.id);
    const slow = await saturated();
    try {
      const before = calls('ecs.getServer');
      const reads = serverGetsFor(slow);
      expect(serverGetsFor(slow)).toBe(reads);
      const counted: string[][] = [[], [], []];
      const ac = new AbortController();
      const cancelled = reads.read(one, { signal: ac.signal, onAttempt: (op) => counted[0].push(op) });
      const joined = [1, 2].map((i) => reads.read(one, { onAttempt: (op) => counted[i].push(op) }));
      ac.abort(new Error('activity cancelled'));
      await expect(cancelled).rejects.toThrow('activity cancelled');
      const seen = await Promise.all(joined);
      expect(seen.map((x) => x.name)).toEqual(['one', 'one']);
      expect(calls('ecs.getServer') - before).toBe(1);
      // The first asker still waiting counts the shared call; one cancelled before it went out made none.
      expect(counted).toEqual([[], ['ecs.getServer'], []]);
      // Asked once the GET went out: a request of its own.
      sim.sim.patchServer(one, { status: 'SHUTOFF' });
      expect((await reads.read(one)).status).toBe('SHUTOFF');
      expect(calls('ecs.getServer') - before).toBe(2);
      expect(calls('ecs.listServers')).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('answers reads of several servers asked while a token is awaited with one listing; one it lacks is read by id', async () => {
    const s = sim.sim.seed({ servers: [{ name: 'one' }, { name: 'two' }, { name: 'three' }] });
    const [one, two, three] = s.servers.map((x) => x.id);
    const slow = await saturated();
    try {
      const before = calls('ecs.getServer');
      const reads = serverGetsFor(slow, 'urgent');
      const first = reads.read(one);
      // Asked in later turns, while the first read waits for its token (about 200 ms).
      await new Promise((r) => setTimeout(r, 50));
      const gone = reads.read('no-such-server');
      const seen = await Promise.all([first, reads.read(two), reads.read(three), reads.read(one)]);
      expect(seen.map((x) => x.name)).toEqual(['one', 'two', 'three', 'one']);
      await expect(gone).rejects.toMatchObject({ status: 404 });
      expect([calls('ecs.listServers'), calls('ecs.getServer') - before]).toEqual([1, 1]);
    } finally {
      await slow.close();
    }
  });

  it('reads each disk by id when the budget has tokens to spare, and when the listing fails', async () => {
    const [a, b, c] = await disks();
    // Unsaturated: a GET each, side by side.
    const spare = volumeGetsFor(cloud);
    expect((await Promise.all([a, b, c].map((id) => spare.read(id)))).map((v) => v.status)).toEqual([
      'uploading',
      'uploading',
      'available',
    ]);
    expect([calls('evs.listVolumes'), calls('evs.getVolume')]).toEqual([0, 3]);
    const slow = await saturated();
    try {
      sim.sim.addFault({ op: 'evs.listVolumes', kind: 'error', status: 404, times: 1 });
      const reads = volumeGetsFor(slow);
      const first = reads.read(a);
      await new Promise((r) => setTimeout(r, 50));
      const seen = await Promise.all([first, reads.read(b), reads.read(c)]);
      expect(seen.map((v) => v.id)).toEqual([a, b, c]);
      expect([calls('evs.listVolumes'), calls('evs.getVolume')]).toEqual([1, 6]);
    } finally {
      await slow.close();
    }
  });

  it("answers lookups of several image names asked while a token is awaited with one listing of the owner's images", async () => {
    sim.sim.seed({
      images: [
        { name: 'golden-1' },
        { name: 'golden-1', status: 'killed' },
        { name: 'golden-2', status: 'saving' },
        // Another project's image of a name we look for is not ours (P3).
        { name: 'golden-3', visibility: 'public', owner: 'another-project' },
      ],
    });
    const owner = await cloud.projectId();
    // The reset dropped the client's token: renewed here, the counts below are the lookups' own.
    await cloud.ims.findImages({ name: 'warm-up', owner });
    const before = calls('ims.listImages');
    // Unsaturated: one lookup by name each.
    const spare = imageFindsFor(cloud, owner);
    const names = ['golden-1', 'golden-2', 'golden-3'];
    const statuses = async (reads: typeof spare) =>
      (await Promise.all(names.map((n) => reads.read(n)))).map((found) => found.map((i) => i.status).sort());
    expect(await statuses(spare)).toEqual([['active', 'killed'], ['saving'], []]);
    expect(calls('ims.listImages') - before).toBe(3);
    const slow = await saturated();
    try {
      const reads = imageFindsFor(slow, owner);
      const first = reads.read('golden-1');
      await new Promise((r) => setTimeout(r, 50));
      const [one, ...rest] = await Promise.all([first, ...names.slice(1).map((n) => reads.read(n))]);
      expect([one, ...rest].map((found) => found.map((i) => i.status).sort())).toEqual([['active', 'killed'], ['saving'], []]);
      expect(one.every((i) => i.name === 'golden-1' && i.owner === owner)).toBe(true);
      expect(calls('ims.listImages') - before).toBe(4);
    } finally {
      await slow.close();
    }
  });
});
