// The activities that hold logic, one call at a time in Temporal's MockActivityEnvironment, against the simulator
// over real HTTP through the real cloud client: plans and their refusals, the export request's adoption and its
// refusal to ask twice, a stop that asks once and follows, the wait stages, and how errors become failure types.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createActivities } from '../../src/activities';
import { toFailure } from '../../src/activities/failures';
import { CloudError, createCloudClient, loadCloudConfig, type CloudApi } from '../../src/cloud';
import { createSim, type SimServer } from '../../src/sim';
import { FailureType, WAIT_NOT_READY } from '../../src/workflows/api';
import { FAST } from '../sim/helpers';

let sim: SimServer;
let cloud: CloudApi;
let activities: ReturnType<typeof createActivities>;
const POLL = { initialMs: 20, maxMs: 200, fraction: 0.2, promptMs: 100 };

beforeAll(async () => {
  sim = await createSim({ config: { timings: FAST } });
  cloud = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), { rateLimit: false });
  activities = createActivities({ cloud, poll: POLL });
});
afterAll(async () => {
  await cloud.close();
  await sim.close();
});
beforeEach(() => sim.sim.reset());

/** Runs an activity as attempt `attempt` of one scheduled now (or `queuedMs` ago), and returns its value or its failure. */
async function run<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, attempt = 1, queuedMs = 0): Promise<R> {
  const scheduled = Date.now() - queuedMs;
  const env = new MockActivityEnvironment({
    attempt,
    scheduledTimestampMs: scheduled,
    currentAttemptScheduledTimestampMs: scheduled,
    scheduleToCloseTimeoutMs: 60_000,
  });
  return env.run(fn, ...args);
}

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

function inUseDisk(name = 'd') {
  const s = sim.sim.seed({ servers: [{ name: `${name}-srv` }], volumes: [{ name, size: 5, attachedTo: [`${name}-srv`] }] });
  return { volumeId: s.volumes[0].id, serverId: s.servers[0].id };
}

describe('planExport', () => {
  it('plans an in-use disk: its server will stop, the export needs force', async () => {
    const { volumeId, serverId } = inUseDisk();
    const { plan, apiCalls } = await run(activities.planExport, [{ volumeId }]);
    expect(plan).toMatchObject({ volumeId, volumeStatus: 'in-use', force: true, toStop: [serverId] });
    expect(apiCalls).toEqual({ 'evs.getVolume': 1, 'ecs.getServer': 1 });
  });

  it('refuses an unknown disk as InvalidInput and a locked running server as NotExportable, touching nothing', async () => {
    expect(await failure(run(activities.planExport, [{ volumeId: '00000000-0000-0000-0000-000000000000' }]))).toMatchObject({
      type: FailureType.InvalidInput,
      nonRetryable: true,
    });
    const s = sim.sim.seed({ servers: [{ name: 'locked', locked: true }], volumes: [{ name: 'd', size: 5, attachedTo: ['locked'] }] });
    const f = await failure(run(activities.planExport, [{ volumeId: s.volumes[0].id }]));
    expect(f).toMatchObject({ type: FailureType.NotExportable, nonRetryable: true });
    expect(f.message).toContain('locked is true');
    expect(sim.sim.oracle().apiCalls.byOp['ecs.stop'] ?? 0).toBe(0);
  });
});

describe('planExportOrFindImage', () => {
  it('plans when no image has the name, and answers with an active one of that name even when the disk is gone', async () => {
    const { volumeId, serverId } = inUseDisk();
    // The sim's reset voided the client's token: a call of the test's own renews it, so the counts below are exact.
    await cloud.evs.getVolume(volumeId);
    const first = await run(activities.planExportOrFindImage, [{ volumeId, imageName: 'golden' }]);
    expect(first.image).toBeNull();
    expect(first.plan).toMatchObject({ volumeId, force: true, toStop: [serverId] });
    expect(first.apiCalls).toEqual({ 'ims.listImages': 1, 'evs.getVolume': 1, 'ecs.getServer': 1 });
    const [image] = sim.sim.seed({ images: [{ name: 'golden' }] }).images;
    const gone = '00000000-0000-0000-0000-000000000000';
    const again = await run(activities.planExportOrFindImage, [{ volumeId: gone, imageName: 'golden' }]);
    expect(again.image).toMatchObject({ id: image.id, status: 'active' });
    expect(again.plan).toBeUndefined();
    // Without that image, the disk is refused as the plan refuses it.
    expect(await failure(run(activities.planExportOrFindImage, [{ volumeId: gone, imageName: 'other' }]))).toMatchObject({
      type: FailureType.InvalidInput,
    });
  });
});

describe('requestExport (P3)', () => {
  it('asks once; asked again, adopts the export in flight instead of asking twice', async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId } = inUseDisk();
    const first = await run(activities.requestExport, [{ volumeId, imageName: 'once' }]);
    expect(first).toMatchObject({ adopted: false, force: true });
    const again = await run(activities.requestExport, [{ volumeId, imageName: 'once', mayHaveRequested: true }]);
    expect(again).toMatchObject({ adopted: true, imageId: first.imageId });
    expect(sim.sim.oracle().apiCalls.byOp['evs.uploadImage']).toBe(1);
  });

  it('after an attempt that may have reached the cloud and no image: refuses to ask again (ImageFailed)', async () => {
    const { volumeId } = inUseDisk();
    const f = await failure(run(activities.requestExport, [{ volumeId, imageName: 'lost', mayHaveRequested: true }]));
    expect(f).toMatchObject({ type: FailureType.ImageFailed, nonRetryable: true });
    expect(f.message).toContain('not requesting a second export');
    expect(sim.sim.oracle().apiCalls.byOp['evs.uploadImage'] ?? 0).toBe(0);
  });
});

describe('requestExport as planned (the plan found the name free)', () => {
  it('sends the export request alone: no read of the disk or the image name', async () => {
    const { volumeId } = inUseDisk();
    await cloud.evs.getVolume(volumeId); // the client's token, renewed after the simulator's reset
    const r = await run(activities.requestExport, [{ volumeId, imageName: 'fast', asPlanned: { force: true } }]);
    expect(r).toMatchObject({ adopted: false, force: true });
    expect(r.apiCalls).toEqual({ 'evs.uploadImage': 1 });
  });

  it("adopts an earlier run's export of that name still in flight when the cloud refuses a second (P3)", async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId } = inUseDisk();
    // An earlier run's request, sent after this run's plan looked for the name.
    const earlier = await cloud.evs.uploadImage(volumeId, { imageName: 'same', force: true });
    const r = await run(activities.requestExport, [{ volumeId, imageName: 'same', asPlanned: { force: true } }]);
    expect(r).toMatchObject({ adopted: true, imageId: earlier.imageId });
    // The second request was refused (400); one export was accepted.
    const accepted = sim.sim.events().filter((e) => e.type === 'api.call' && e.op === 'evs.uploadImage' && e.status === 202);
    expect(accepted).toHaveLength(1);
    const named = await cloud.ims.findImages({ name: 'same', owner: await cloud.projectId() });
    expect(named.map((i) => i.id)).toEqual([earlier.imageId]);
  });

  it('refuses a disk uploading to an image not ours, and asks as the disk is now when it changed since the plan', async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId } = inUseDisk();
    await cloud.evs.uploadImage(volumeId, { imageName: 'someone-elses', force: true });
    const f = await failure(run(activities.requestExport, [{ volumeId, imageName: 'mine', asPlanned: { force: true } }]));
    expect(f).toMatchObject({ type: FailureType.NotExportable, nonRetryable: true });
    // Planned as available, attached since: the refused request is asked again as the disk now needs (force).
    const other = inUseDisk('e');
    const r = await run(activities.requestExport, [{ volumeId: other.volumeId, imageName: 'now', asPlanned: { force: false } }]);
    expect(r).toMatchObject({ adopted: false, force: true });
    expect(r.apiCalls).toEqual({ 'evs.uploadImage': 2, 'evs.getVolume': 1, 'ims.listImages': 1 });
  });
});

describe('power (a stop or start in two stages)', () => {
  it('asks the cloud once and follows the server to SHUTOFF; asked again, finds it there', async () => {
    const { serverId } = inUseDisk();
    const r = await run(activities.power, [{ serverId, target: 'SHUTOFF' as const }]);
    expect(r.waited).toMatchObject({ done: { outcome: 'reached', requestedAt: expect.any(String) } });
    const again = await run(activities.power, [{ serverId, target: 'SHUTOFF' as const }]);
    expect(again.waited).toMatchObject({ done: { outcome: 'reached' } });
    expect(sim.sim.oracle().apiCalls.byOp['ecs.stop']).toBe(1);
  });

  it('hands a start over at once while a disk of the server uploads (P1), without asking', async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId, serverId } = inUseDisk();
    await run(activities.power, [{ serverId, target: 'SHUTOFF' as const }]);
    await run(activities.requestExport, [{ volumeId, imageName: 'blocking' }]);
    const r = await run(activities.power, [{ serverId, target: 'ACTIVE' as const }]);
    expect(r.waited).toMatchObject({ since: expect.any(Number), state: { blocked: true } });
    expect(sim.sim.oracle().apiCalls.byOp['ecs.start'] ?? 0).toBe(0);
    // Its first look read the server and, beside it, the disks in `uploading`: one round trip, not two.
    expect(r.apiCalls).toEqual({ 'ecs.getServer': 1, 'evs.listVolumes': 1 });
  });
});

describe('wait stages (P9)', () => {
  it('the patient stage fails a read that finds "not yet" with a benign NotReady, due again after the policy delay', async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId } = inUseDisk();
    await run(activities.requestExport, [{ volumeId, imageName: 'waiting' }]);
    const f = await failure(run(activities.awaitVolumeReleased, [{ volumeId, since: Date.now() - 10_000 }], 4));
    expect(f).toMatchObject({ type: WAIT_NOT_READY, nonRetryable: false, category: 'BENIGN' });
    // 20 % of the 10 s waited, within the policy's bounds.
    expect(f.nextRetryDelay).toBe(200);
    expect(f.message).toContain('the disk is uploading');

    sim.sim.advance({ kind: 'upload', id: volumeId });
    const done = await run(activities.awaitVolumeReleased, [{ volumeId, since: Date.now() - 10_000 }], 5);
    expect(done.waited).toMatchObject({ done: { status: 'in-use' } });
    // Its earlier reads failed and reported nothing: counted as attempts × the calls of one read, but for the
    // first attempt, which (10 s into the wait) waited out the prompt stage's gap without reading.
    expect(done.apiCalls['evs.getVolume']).toBe(4);
  });

  it("the patient stage's first attempt waits out the gap the prompt stage left without reading; a patient-only wait reads at once", async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    // A worker of its own: what this wait's upload teaches its estimator stays out of the other tests' waits.
    const own = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), { rateLimit: false });
    const activities = createActivities({ cloud: own, poll: POLL });
    onTestFinished(() => own.close());
    const { volumeId } = inUseDisk();
    await run(activities.requestExport, [{ volumeId, imageName: 'handed-over' }]);
    const reads = () => sim.sim.oracle().apiCalls.byOp['evs.getVolume'] ?? 0;
    const before = reads();
    // Handed over 10 s into the wait: the schedule's next read is further off than a retry timer's floor.
    const since = Date.now() - 10_000;
    const f = await failure(run(activities.awaitVolumeReleased, [{ volumeId, since }], 1));
    expect(f).toMatchObject({ type: WAIT_NOT_READY, nonRetryable: false, category: 'BENIGN' });
    expect(f.nextRetryDelay).toBeGreaterThan(POLL.promptMs);
    expect(f.message).toContain('handed over by the prompt stage');
    expect(reads()).toBe(before);
    await failure(run(activities.awaitVolumeReleased, [{ volumeId, since }], 2));
    expect(reads()).toBe(before + 1);
    sim.sim.advance({ kind: 'upload', id: volumeId });
    const done = await run(activities.awaitVolumeReleased, [{ volumeId, since }], 3);
    // Three attempts, two of which read: the count leaves out the first.
    expect(done.apiCalls['evs.getVolume']).toBe(2);
    expect(done.waited).toEqual({ done: expect.anything() });
    // A wait that begins in the patient stage (no read yet) reads on its first attempt.
    const { volumeId: other } = inUseDisk('other');
    await run(activities.requestExport, [{ volumeId: other, imageName: 'patient-only' }]);
    const atOnce = reads();
    await failure(run(activities.awaitVolumeReleased, [{ volumeId: other, since: Date.now() }], 1));
    expect(reads()).toBe(atOnce + 1);
  });

  it('the prompt stage hands over when the next read would be a second away or more', async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId } = inUseDisk();
    await run(activities.requestExport, [{ volumeId, imageName: 'prompt' }]);
    const r = await run(activities.awaitVolumeReleased, [{ volumeId }]);
    expect(r.waited).toEqual({ since: expect.any(Number) });
    // Reads every 20 ms until the delay (20 % of the time waited) reaches 100 ms: about half a second of reads.
    expect(r.apiCalls['evs.getVolume']).toBeGreaterThan(3);
  });

  it("the prompt stage's delays run from each read's start: a slow read does not widen the gap between reads", async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId } = inUseDisk();
    await run(activities.requestExport, [{ volumeId, imageName: 'slow-reads' }]);
    // Every read takes 150 ms at the cloud; the policy reads every 200 ms for 2 s (5 × promptMs), then hands over.
    sim.sim.addFault({ op: 'evs.getVolume', kind: 'delay', delayMs: 150, times: 0 });
    // A client of its own: its worker has learned no upload's duration, so the reads follow the plain backoff.
    const fresh = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), { rateLimit: false });
    const even = createActivities({ cloud: fresh, poll: { initialMs: 200, maxMs: 200, fraction: 0, promptMs: 400 } });
    const r = await run(even.awaitVolumeReleased, [{ volumeId }]).finally(() => fresh.close());
    expect(r.waited).toEqual({ since: expect.any(Number) });
    // Reads 200 ms apart: 10 (at 0, 200, …, 1800 ms). Delays counted from each read's end would make them 350 ms
    // apart: 6.
    expect(r.apiCalls['evs.getVolume']).toBeGreaterThanOrEqual(9);
  });

  it('on a busy worker (the activity waited longer than that for a slot) the prompt stage reads once and hands over', async () => {
    sim.sim.setConfig({ timings: { uploadBaseMs: null } });
    const { volumeId } = inUseDisk();
    await run(activities.requestExport, [{ volumeId, imageName: 'busy' }]);
    const r = await run(activities.awaitVolumeReleased, [{ volumeId }], 1, 2000);
    expect(r.waited).toEqual({ since: expect.any(Number) });
    expect(r.apiCalls['evs.getVolume']).toBe(1);
  });
});

describe('failure types', () => {
  it('throttling and 5xx are CloudUnavailable and retried; a refusal is CloudRejected and not', async () => {
    const { volumeId } = inUseDisk();
    sim.sim.addFault({ op: 'evs.getVolume', kind: 'error', status: 503, times: 0 });
    const noRetries = createActivities({
      cloud: createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), {
        rateLimit: false,
        retry: { transientRetries: 0, throttleRetries: 0 },
      }),
      poll: POLL,
    });
    expect(await failure(run(noRetries.planExport, [{ volumeId }]))).toMatchObject({
      type: FailureType.CloudUnavailable,
      nonRetryable: false,
    });
    sim.sim.reset();
    const again = inUseDisk();
    sim.sim.addFault({ op: 'evs.getVolume', kind: 'error', status: 403, times: 0 });
    expect(await failure(run(activities.planExport, [{ volumeId: again.volumeId }]))).toMatchObject({
      type: FailureType.CloudRejected,
      nonRetryable: true,
    });
  });

  it('a worker without a Temporal client, or without an endpoint for a service, is WorkerMisconfigured', async () => {
    expect(await failure(run(activities.acquireHolds, [{ serverIds: ['s'], holder: { workflowId: 'w', runId: 'r' } }]))).toMatchObject({
      type: FailureType.WorkerMisconfigured,
      nonRetryable: true,
    });
    const elsewhere = createActivities({
      cloud: createCloudClient(loadCloudConfig({ env: { ...sim.cloudEnv, OS_REGION_NAME: 'nowhere-1' } }), { rateLimit: false }),
    });
    expect(await failure(run(elsewhere.planExport, [{ volumeId: 'v' }]))).toMatchObject({
      type: FailureType.WorkerMisconfigured,
      nonRetryable: true,
    });
  });

  it('anything unexpected (a bug, an answer the client cannot read) is Unexpected and not retried', () => {
    expect(toFailure(new TypeError('x is undefined'), 'plan')).toMatchObject({
      type: FailureType.Unexpected,
      nonRetryable: true,
      message: 'plan: x is undefined',
    });
    const unreadable = new CloudError({
      service: 'evs',
      op: 'evs.getVolume',
      method: 'GET',
      path: '/v',
      status: 200,
      code: 'InvalidResponse',
      cloudMessage: 'unexpected response',
    });
    expect(toFailure(unreadable, 'read disk')).toMatchObject({ type: FailureType.Unexpected, nonRetryable: true });
  });
});
