// Nova under the EcsApi (cloud-api.md §4.5, §6.5): the made-up job id, the job derived from each server's status,
// task_state and vm_state, one os-stop/os-start per server, and a 409 read back. The derivation is pure and is
// tested on parsed bodies (gophercloud's recorded servers among them); the client runs against a real HTTP server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudClient, type CloudClient } from '../../src/cloud/client';
import { loadCloudConfig } from '../../src/cloud/config';
import { CloudError, CloudRequestError } from '../../src/cloud/errors';
import { parseServer } from '../../src/cloud/ecs/results';
import { decodeJobId, deriveJob, encodeJobId, NOVA_INIT_GRACE_MS, type NovaJobRef } from '../../src/cloud/nova/jobs';
import type { Server } from '../../src/cloud/types';
import { FakeCloud, fixture, passwordEnv, PROJECT, send } from './fake-cloud';

const A = '9e5476bd-a4ec-4653-93d6-72c93aa682ba';
const B = '4f4b3dfa-eb70-47cf-a60a-998a53bd598a';
const T0 = Date.parse('2024-05-01T10:00:00Z');

function server(id: string, status: string, taskState: string | null, vmState: string, fault?: { message: string; code: number }): Server {
  return parseServer({
    server: { id, name: `srv-${id.slice(0, 4)}`, status, 'OS-EXT-STS:task_state': taskState, 'OS-EXT-STS:vm_state': vmState, fault },
  });
}

describe('the made-up job id', () => {
  it('says the action, when, and which servers; other ids are not ours', () => {
    const ref: NovaJobRef = { action: 'os-stop', requestedAt: T0, serverIds: [A, B] };
    const id = encodeJobId(ref);
    expect(id).toBe(`nova:os-stop:${T0}:${A},${B}`);
    expect(decodeJobId(id)).toEqual(ref);
    expect(decodeJobId('ff808082889bd9690189061140c235fe')).toBeUndefined();
    expect(decodeJobId('nova:os-reboot:1:x')).toBeUndefined();
    expect(decodeJobId('nova:os-start:1:a,,b')).toBeUndefined();
  });
});

describe('the job derived from the servers', () => {
  const stop: NovaJobRef = { action: 'os-stop', requestedAt: T0, serverIds: [A] };
  const start: NovaJobRef = { action: 'os-start', requestedAt: T0, serverIds: [A] };
  const one = (ref: NovaJobRef, s: Server, now = T0 + 1000) => deriveJob(encodeJobId(ref), ref, [{ serverId: A, server: s }], now);

  it('SUCCESS when the target status is reached with task_state null', () => {
    expect(one(stop, server(A, 'SHUTOFF', null, 'stopped'))).toMatchObject({ status: 'SUCCESS', jobType: 'os-stop', errorCode: null });
    expect(one(start, server(A, 'ACTIVE', null, 'active')).status).toBe('SUCCESS');
    expect(one(stop, server(A, 'SHUTOFF', null, 'stopped')).endTime).toBe(new Date(T0 + 1000).toISOString());
  });

  it('RUNNING while a task runs: ACTIVE + powering-off, SHUTOFF + powering-on (§4.2)', () => {
    expect(one(stop, server(A, 'ACTIVE', 'powering-off', 'active'))).toMatchObject({ status: 'RUNNING', endTime: null });
    expect(one(start, server(A, 'SHUTOFF', 'powering-on', 'stopped')).status).toBe('RUNNING');
    // Even at the target status: a running task is not done.
    expect(one(start, server(A, 'ACTIVE', 'rebooting', 'active')).status).toBe('RUNNING');
  });

  it("FAIL on ERROR with Nova's fault message (gophercloud's recorded fault body)", () => {
    const rec = fixture<{ server: Record<string, unknown> }>('upstream/gophercloud/compute/server-get-fault.json');
    const s = parseServer({ server: { ...rec.server, status: 'ERROR', 'OS-EXT-STS:vm_state': 'error' } });
    const job = one(stop, s);
    expect(job.status).toBe('FAIL');
    expect(job.errorCode).toBe('500');
    expect(job.failReason).toContain('is in status ERROR: Conflict updating instance');
    expect(job.subJobs[0]).toMatchObject({ status: 'FAIL', serverId: A });
  });

  it('idle where it started: INIT within the grace, then FAIL (Nova gave up)', () => {
    const idle = server(A, 'ACTIVE', null, 'active');
    expect(one(stop, idle, T0 + NOVA_INIT_GRACE_MS - 1).status).toBe('INIT');
    const failed = one(stop, idle, T0 + NOVA_INIT_GRACE_MS);
    expect(failed.status).toBe('FAIL');
    expect(failed.failReason).toContain('is ACTIVE with no task running: Nova did not stop it');
  });

  it('a server that is gone fails its part; the job waits for the others first', () => {
    const ref: NovaJobRef = { action: 'os-stop', requestedAt: T0, serverIds: [A, B] };
    const running = deriveJob(
      encodeJobId(ref),
      ref,
      [
        { serverId: A, gone: true },
        { serverId: B, server: server(B, 'ACTIVE', 'powering-off', 'active') },
      ],
      T0,
    );
    expect(running.status).toBe('RUNNING');
    const done = deriveJob(
      encodeJobId(ref),
      ref,
      [
        { serverId: A, gone: true },
        { serverId: B, server: server(B, 'SHUTOFF', null, 'stopped') },
      ],
      T0,
    );
    expect(done).toMatchObject({ status: 'FAIL', errorCode: '404', failReason: `server ${A} no longer exists` });
    expect(done.subJobs.map((x) => x.status)).toEqual(['FAIL', 'SUCCESS']);
  });
});

describe('Nova through the EcsApi (openstack profile)', () => {
  let cloud: FakeCloud;
  let client: CloudClient;
  let now = T0;
  beforeEach(async () => {
    cloud = await FakeCloud.start();
    const ep = (url: string) => [{ interface: 'public', region: 'RegionOne', url }];
    cloud.catalog = [
      { type: 'volumev3', name: 'cinderv3', id: 'c', endpoints: ep(`${cloud.url}/volume/v3/${PROJECT}`) },
      { type: 'compute', name: 'nova', id: 'n', endpoints: ep(`${cloud.url}/compute/v2.1`) },
      { type: 'image', name: 'glance', id: 'g', endpoints: ep(`${cloud.url}/image`) },
    ];
    now = T0;
    client = createCloudClient(loadCloudConfig({ env: passwordEnv(cloud.url, { OS_REGION_NAME: 'RegionOne' }) }), {
      rateLimit: false,
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
      now: () => now,
    });
  });
  afterEach(async () => {
    await client.close();
    await cloud.close();
  });

  const show = (id: string, status: string, taskState: string | null, vmState: string) => ({
    server: { id, name: 'derp', status, 'OS-EXT-STS:task_state': taskState, 'OS-EXT-STS:vm_state': vmState, locked: false },
  });

  it('getServer asks for microversion 2.9 (locked); the recorded vanilla body parses', async () => {
    cloud.on('GET', `/compute/v2.1/servers/${A}`, (_r, res) => send(res, 200, fixture('upstream/gophercloud/compute/server-get.json')));
    expect(await client.ecs.getServer(A)).toMatchObject({ id: A, status: 'ACTIVE', taskState: null, locked: true });
    const [r] = cloud.serviceRequests();
    expect(r.headers['openstack-api-version']).toBe('compute 2.9');
    expect(r.headers['x-openstack-nova-api-version']).toBe('2.9');
  });

  it('stopServers: one {"os-stop": null} per server (202, no body), a job id naming them, getJob reads them', async () => {
    const state: Record<string, ReturnType<typeof show>> = {
      [A]: show(A, 'ACTIVE', null, 'active'),
      [B]: show(B, 'ACTIVE', null, 'active'),
    };
    for (const id of [A, B]) {
      cloud.on('POST', `/compute/v2.1/servers/${id}/action`, (_r, res) => {
        state[id] = show(id, 'ACTIVE', 'powering-off', 'active');
        send(res, 202);
      });
      cloud.on('GET', `/compute/v2.1/servers/${id}`, (_r, res) => send(res, 200, state[id]));
    }
    const jobId = await client.ecs.stopServers([A, B, A], 'HARD');
    expect(jobId).toBe(`nova:os-stop:${T0}:${A},${B}`);
    const posts = cloud.serviceRequests().filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.path, r.body])).toEqual([
      [`/compute/v2.1/servers/${A}/action`, '{"os-stop":null}'],
      [`/compute/v2.1/servers/${B}/action`, '{"os-stop":null}'],
    ]);
    expect((await client.ecs.getJob(jobId)).status).toBe('RUNNING');
    state[A] = show(A, 'SHUTOFF', null, 'stopped');
    state[B] = show(B, 'SHUTOFF', null, 'stopped');
    const job = await client.ecs.getJob(jobId);
    expect(job).toMatchObject({ status: 'SUCCESS', jobType: 'os-stop' });
    expect(job.subJobs.map((s) => s.serverId)).toEqual([A, B]);
    expect(client.callCounts()).toMatchObject({ 'ecs.stop': 2, 'ecs.getServer': 4 });
    expect(client.callCounts()['ecs.getJob']).toBeUndefined();
  });

  it('a 409 because the server is already stopped, or already stopping, is read back and accepted', async () => {
    let state = show(A, 'SHUTOFF', null, 'stopped');
    cloud.on('POST', `/compute/v2.1/servers/${A}/action`, (_r, res) => send(res, 409, fixture('ecs/error-nova-conflict.json')));
    cloud.on('GET', `/compute/v2.1/servers/${A}`, (_r, res) => send(res, 200, state));
    const jobId = await client.ecs.stopServers([A], 'SOFT');
    expect((await client.ecs.getJob(jobId)).status).toBe('SUCCESS');
    state = show(A, 'ACTIVE', 'powering-off', 'active');
    const again = await client.ecs.stopServers([A], 'SOFT');
    expect((await client.ecs.getJob(again)).status).toBe('RUNNING');
  });

  it("any other 409 (a lock) is the cloud's refusal", async () => {
    cloud.on('POST', `/compute/v2.1/servers/${A}/action`, (_r, res) =>
      send(res, 409, { conflictingRequest: { code: 409, message: `Instance ${A} is locked` } }),
    );
    cloud.on('GET', `/compute/v2.1/servers/${A}`, (_r, res) => send(res, 200, show(A, 'ACTIVE', null, 'active')));
    const err = await client.ecs.stopServers([A], 'SOFT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as CloudError).message).toBe(`Nova stop 409: Instance ${A} is locked`);
  });

  it('a start that Nova accepted but never ran fails once the grace has passed', async () => {
    cloud.on('POST', `/compute/v2.1/servers/${A}/action`, (_r, res) => send(res, 202));
    cloud.on('GET', `/compute/v2.1/servers/${A}`, (_r, res) => send(res, 200, show(A, 'SHUTOFF', null, 'stopped')));
    const jobId = await client.ecs.startServers([A]);
    expect((await client.ecs.getJob(jobId)).status).toBe('INIT');
    now += NOVA_INIT_GRACE_MS;
    expect(await client.ecs.getJob(jobId)).toMatchObject({ status: 'FAIL', failReason: expect.stringContaining('Nova did not start it') });
  });

  it('getJob refuses a job id it did not make (an ECS one)', async () => {
    await expect(client.ecs.getJob('ff808082889bd9690189061140c235fe')).rejects.toBeInstanceOf(CloudRequestError);
  });
});
