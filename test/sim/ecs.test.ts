import { describe, expect, it } from 'vitest';
import { ManualClock, createSim } from '../../src/sim';
import { Client, useSim, waitFor } from './helpers';

const summary = async (c: Client, id: string) => {
  const s = (await c.server(id)).body.server;
  return [s.status, s['OS-EXT-STS:task_state'], s['OS-EXT-STS:power_state'], s['OS-EXT-STS:vm_state']];
};

describe('sim ECS', () => {
  const t = useSim();

  async function seed(servers: Record<string, unknown>[]) {
    return (await t.c.admin('POST', '/seed', { servers })).body.servers.map((s: { id: string }) => s.id) as string[];
  }

  it('renders the server detail with the documented fields', async () => {
    const { c } = t;
    const seeded = (
      await c.admin('POST', '/seed', {
        servers: [{ name: 'web' }],
        volumes: [
          { name: 'sys', size: 40, bootable: true, attachedTo: ['web'] },
          { name: 'data', size: 10, attachedTo: ['web'] },
        ],
      })
    ).body;
    const id = seeded.servers[0].id;
    const r = await c.server(id);
    expect(r.status).toBe(200);
    const s = r.body.server;
    expect(s).toMatchObject({
      id,
      name: 'web',
      status: 'ACTIVE',
      locked: false,
      fault: null,
      tenant_id: c.project,
      host_status: 'UP',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 1,
      'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
      image: { id: expect.any(String) },
      metadata: expect.any(Object),
    });
    expect(s.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(s['os-extended-volumes:volumes_attached']).toEqual([
      { id: seeded.volumes[0].id, delete_on_termination: 'false', device: '/dev/vda', bootIndex: '0' },
      { id: seeded.volumes[1].id, delete_on_termination: 'false', device: '/dev/vdb', bootIndex: '-1' },
    ]);
    // The Nova path answers with the same body; its 404 is Nova's.
    expect((await c.call('GET', `/ecs/v2.1/${c.project}/servers/${id}`)).body.server.id).toBe(id);
    expect((await c.call('GET', `/ecs/v2.1/${c.project}/servers/nope`)).body).toEqual({
      itemNotFound: { message: 'Instance nope could not be found.', code: 404 },
    });
    expect(await c.server('nope')).toMatchObject({
      status: 404,
      body: { error: { code: 'Ecs.0114', message: 'The ECS does not exist.' } },
    });
  });

  it('derives status during stop and start (ACTIVE+powering-off, SHUTOFF+powering-on)', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { stopMs: null, startMs: null } });
    const [id] = await seed([{ name: 'a' }]);
    const stop = await c.stop([id]);
    expect(stop.status).toBe(200);
    expect(stop.body.job_id).toMatch(/^[0-9a-f]{32}$/);
    expect(await summary(c, id)).toEqual(['ACTIVE', 'powering-off', 1, 'active']);
    expect((await c.job(stop.body.job_id)).body.status).toBe('RUNNING');
    await c.admin('POST', '/advance', { kind: 'stop', id });
    expect(await summary(c, id)).toEqual(['SHUTOFF', null, 4, 'stopped']);
    expect((await c.job(stop.body.job_id)).body.status).toBe('SUCCESS');
    const start = await c.start([id]);
    expect(await summary(c, id)).toEqual(['SHUTOFF', 'powering-on', 4, 'stopped']);
    expect((await c.admin('POST', '/advance', { kind: 'start', id })).status).toBe(200);
    expect(await summary(c, id)).toEqual(['ACTIVE', null, 1, 'active']);
    expect((await c.job(start.body.job_id)).body.status).toBe('SUCCESS');
    expect((await c.admin('POST', '/advance', { kind: 'start', id })).status).toBe(404);
  });

  it('runs a batch job: INIT, RUNNING, SUCCESS, with one sub-job per server in the documented shape', async () => {
    // A hand-driven clock makes the INIT window exact.
    const clock = new ManualClock();
    const s = await createSim({ clock, seed: 7, config: { timings: { jobInitMs: 100, stopMs: 1000, hardStopMs: 500 } } });
    try {
      const c = new Client(s);
      await c.login();
      const ids = (
        await c.admin('POST', '/seed', { servers: [{ name: 'a' }, { name: 'b' }, { name: 'c', status: 'SHUTOFF' }] })
      ).body.servers.map((x: { id: string }) => x.id);
      const { job_id } = (await c.stop(ids, 'HARD')).body;
      const first = (await c.job(job_id)).body;
      expect(first.status).toBe('INIT');
      expect(first.entities.sub_jobs.map((x: { status: string }) => x.status)).toEqual(['INIT', 'INIT', 'INIT']);
      clock.tick(100);
      expect((await c.job(job_id)).body.status).toBe('RUNNING');
      clock.tick(399);
      expect((await summary(c, ids[0]))[1]).toBe('powering-off');
      clock.tick(1);
      const done = (await c.job(job_id)).body;
      expect(done.status).toBe('SUCCESS');
      expect(Object.keys(done).sort()).toEqual([
        'begin_time',
        'end_time',
        'entities',
        'error_code',
        'fail_reason',
        'job_id',
        'job_type',
        'status',
      ]);
      expect(done).toMatchObject({ job_id, job_type: 'batchStopServers', error_code: null, fail_reason: null });
      expect(done.begin_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(done.end_time) - Date.parse(done.begin_time)).toBe(500);
      expect(done.entities.sub_jobs_total).toBe(3);
      expect(done.entities.sub_jobs.map((x: { entities: { server_id: string } }) => x.entities.server_id)).toEqual(ids);
      for (const x of done.entities.sub_jobs)
        expect(x).toMatchObject({
          status: 'SUCCESS',
          job_type: 'stopSingleServer',
          error_code: null,
          fail_reason: null,
          job_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        });
      for (const id of ids) expect((await summary(c, id))[0]).toBe('SHUTOFF');
      // The already-stopped server's sub-job finished at once (our assumption, cloud-api.md §8.3).
      const subC = done.entities.sub_jobs[2];
      expect(subC.end_time).toBe(subC.begin_time);
      expect(await c.job('ffffffffffffffffffffffffffffffff')).toMatchObject({
        status: 400,
        body: { error: { code: 'Common.0011', message: 'Failed to query system tasks.' } },
      });
    } finally {
      await s.close();
    }
  });

  it('job-fail: the request is accepted, the sub-job and job end FAIL, the server does not move', async () => {
    const { c } = t;
    const [a, b] = await seed([{ name: 'a' }, { name: 'b' }]);
    await c.admin('POST', '/faults', { op: 'ecs.stop', target: b, kind: 'job-fail' });
    const { job_id } = (await c.stop([a, b])).body;
    const j = await waitFor(async () => {
      const x = (await c.job(job_id)).body;
      return x.status === 'FAIL' ? x : undefined;
    }, 'job FAIL');
    expect(j).toMatchObject({ status: 'FAIL', error_code: 'Ecs.0100', fail_reason: expect.any(String) });
    const [sa, sb] = j.entities.sub_jobs;
    expect(sa).toMatchObject({ status: 'SUCCESS', entities: { server_id: a } });
    expect(sb).toMatchObject({ status: 'FAIL', error_code: 'Ecs.0100', entities: { server_id: b, errorcode_message: expect.any(String) } });
    expect(await summary(c, a)).toEqual(['SHUTOFF', null, 4, 'stopped']);
    expect(await summary(c, b)).toEqual(['ACTIVE', null, 1, 'active']);
    // A start failure carries Ecs.0226 by default.
    await c.admin('POST', '/faults', { op: 'ecs.start', kind: 'job-fail' });
    const start = (await c.start([a])).body.job_id;
    const sj = await waitFor(async () => {
      const x = (await c.job(start)).body;
      return x.status === 'FAIL' ? x : undefined;
    }, 'start job FAIL');
    expect(sj).toMatchObject({ error_code: 'Ecs.0226', fail_reason: 'Failed to start.', job_type: 'batchStartServers' });
    expect((await summary(c, a))[0]).toBe('SHUTOFF');
  });

  it('refuses unknown, locked and busy servers and oversized batches at request level', async () => {
    const { c } = t;
    const [ok, locked, busy] = await seed([{ name: 'ok' }, { name: 'locked', locked: true }, { name: 'busy', taskState: 'rebooting' }]);
    expect(await c.stop([ok, 'ghost'])).toMatchObject({
      status: 404,
      body: { error: { code: 'Ecs.0114', message: 'The ECS does not exist.', details: [{ code: 'Ecs.0114' }] } },
    });
    expect(await c.stop([locked])).toMatchObject({ status: 400, body: { error: { code: 'Ecs.0605', message: 'ECS locked.' } } });
    expect(await c.start([busy])).toMatchObject({
      status: 400,
      body: { error: { code: 'Ecs.0100', message: expect.stringMatching(/^The ECS status does not meet requirements/) } },
    });
    expect((await c.server(busy)).body.server.status).toBe('REBOOT');
    const many = Array.from({ length: 1001 }, () => ok);
    expect(await c.stop(many)).toMatchObject({ status: 400, body: { error: { code: 'Ecs.0118' } } });
    expect(await c.stop([])).toMatchObject({ status: 400, body: { error: { code: 'Ecs.0005' } } });
    expect(
      (await c.call('POST', `/ecs/v1/${c.project}/cloudservers/action`, { 'os-stop': { type: 'GENTLE', servers: [{ id: ok }] } })).body
        .error.code,
    ).toBe('Ecs.0005');
    // A stopping server refuses a second action while powering-off.
    await c.admin('PUT', '/config', { timings: { stopMs: null } });
    expect((await c.stop([ok])).status).toBe(200);
    expect(await c.stop([ok])).toMatchObject({ status: 400, body: { error: { code: 'Ecs.0100' } } });
    // Nothing was changed by the refused requests.
    expect((await c.server(locked)).body.server.status).toBe('ACTIVE');
  });

  it('throttle-202: HTTP 202 with Common.0024 and no effect', async () => {
    const { c } = t;
    const [id] = await seed([{ name: 'a' }]);
    await c.admin('POST', '/faults', { op: 'ecs.stop', kind: 'throttle-202' });
    const r = await c.stop([id]);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ error: { message: 'Flow limit exceeded.', code: 'Common.0024' } });
    expect(await summary(c, id)).toEqual(['ACTIVE', null, 1, 'active']);
    expect((await c.admin('GET', '/state')).body.jobs).toHaveLength(0);
    const again = await c.stop([id]);
    expect(again.status).toBe(200);
    expect(again.body.job_id).toBeDefined();
  });
});
