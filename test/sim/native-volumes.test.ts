import { describe, expect, it } from 'vitest';
import { type Client, useSim, waitFor } from './helpers';

const native = (c: Client, ver: 'v2' | 'v2.1', volume: Record<string, unknown>) =>
  c.call('POST', `/evs/${ver}/${c.project}/cloudvolumes`, { volume });
const job = (c: Client, id: string) => c.call('GET', `/evs/v1/${c.project}/jobs/${id}`);
const disk = { name: 'n', size: 10, availability_zone: 'eu-de-01', volume_type: 'SSD' };

describe('sim EVS native disk creation (cloudvolumes) and EVS jobs', () => {
  const t = useSim({ config: { timings: { jobInitMs: 300 } } });

  it('OTC v2 answers 200 {job_id}; the job is INIT, RUNNING, then SUCCESS naming the disk', async () => {
    const { c } = t;
    await c.admin('PUT', '/config', { timings: { volumeCreateBaseMs: null } });
    const r = await native(c, 'v2', disk);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['job_id']);
    expect(r.body.job_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await job(c, r.body.job_id)).body.status).toBe('INIT');
    const running = await waitFor(async () => {
      const j = (await job(c, r.body.job_id)).body;
      return j.status === 'RUNNING' && j;
    }, 'RUNNING');
    expect(running).toMatchObject({ job_type: 'createVolume', end_time: '', error_code: null, fail_reason: null });
    const vid = running.entities.volume_id;
    expect((await c.volume(vid)).body.volume).toMatchObject({ status: 'creating', name: 'n', volume_type: 'SSD' });
    await c.admin('POST', '/advance', { kind: 'volume', id: vid });
    const done = (await job(c, r.body.job_id)).body;
    expect(done).toMatchObject({ status: 'SUCCESS', entities: { volume_id: vid }, end_time: expect.stringMatching(/Z$/) });
    expect((await c.admin('GET', '/state')).body.evsJobs).toEqual([done]);
  });

  it('Huawei v2.1 answers 202 with job_id and volume_ids; an injected failure FAILs the job', async () => {
    const { c } = t;
    await c.admin('POST', '/faults', { op: 'evs.createVolumeNative', kind: 'create-fail' });
    const r = await native(c, 'v2.1', disk);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ job_id: expect.any(String), volume_ids: [expect.any(String)] });
    const j = await waitFor(async () => {
      const x = (await job(c, r.body.job_id)).body;
      return x.status === 'FAIL' && x;
    }, 'FAIL');
    expect(j).toMatchObject({ entities: { volume_id: r.body.volume_ids[0] }, error_code: 'EVS.2024', fail_reason: 'volume is error!' });
    expect((await c.volume(r.body.volume_ids[0])).body.volume.status).toBe('error');
  });

  it('refuses with the native codes; an unknown job is Common.0011', async () => {
    const { c } = t;
    const code = async (body: Record<string, unknown>) => (await native(c, 'v2', body)).body.badRequest?.code;
    expect(await code({ ...disk, availability_zone: undefined })).toBe('EVS.2083');
    expect(await code({ ...disk, volume_type: undefined })).toBe('EVS.2083');
    expect(await code({ ...disk, availability_zone: 'nowhere' })).toBe('EVS.1036');
    expect(await code({ ...disk, volume_type: 'TAPE' })).toBe('EVS.1020');
    expect(await code({ ...disk, size: -1 })).toBe('EVS.1010');
    expect(await code({ ...disk, snapshot_id: 'missing' })).toBe('EVS.2045');
    expect(await job(c, 'f'.repeat(32))).toMatchObject({
      status: 400,
      body: { badRequest: { code: 'Common.0011', message: 'No jobs found.' } },
    });
    expect((await c.admin('GET', '/oracle')).body.apiCalls.byOp).toMatchObject({ 'evs.createVolumeNative': 6, 'evs.getJob': 1 });
  });
});
