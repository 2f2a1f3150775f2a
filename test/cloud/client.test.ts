// The client against a real HTTP server: method, path, headers, exact request bodies, parsed results.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudClient } from '../../src/cloud/client';
import { CloudError, isStatus } from '../../src/cloud/errors';
import { clientFor, FakeCloud, fixture, PROJECT, send } from './fake-cloud';

let cloud: FakeCloud;
let client: CloudClient;

beforeEach(async () => {
  cloud = await FakeCloud.start();
  client = clientFor(cloud);
});
afterEach(async () => {
  await client.close();
  await cloud.close();
});

const VOL = '7fa6b592-ac75-460d-a28a-bb17429d1eb2';

describe('EVS', () => {
  it('getVolume: GET {evs}/volumes/{id} with the token and JSON headers', async () => {
    cloud.on('GET', `/evs/v2/${PROJECT}/volumes/${VOL}`, (_r, res) => send(res, 200, { volume: fixture('evs/volume-system-disk.json') }));
    const v = await client.evs.getVolume(VOL);
    expect(v).toMatchObject({ id: VOL, status: 'in-use', bootable: true });
    const [r] = cloud.serviceRequests();
    expect(r.method).toBe('GET');
    expect(r.headers['x-auth-token']).toBe('tok-1-0123456789abcdef');
    expect(r.headers.accept).toBe('application/json');
    expect(r.headers['user-agent']).toMatch(/^evs-image-export\/\d+\.\d+\.\d+$/);
    expect(r.body).toBe('');
    // Lazy authentication: exactly one token request, before the first call.
    expect(cloud.tokenRequests()).toHaveLength(1);
    expect(cloud.tokenRequests()[0].json).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'alice', domain: { name: 'Default' }, password: expect.any(String) } },
        },
        scope: { project: { id: PROJECT } },
      },
    });
  });

  it('uploadImage: POST {evs}/volumes/{id}/action with the exact body, 202', async () => {
    cloud.on('POST', `/evs/v2/${PROJECT}/volumes/${VOL}/action`, (_r, res) => send(res, 202, fixture('evs/upload-response-otc.json')));
    const r = await client.evs.uploadImage(VOL, {
      imageName: 'golden-2024',
      force: true,
      diskFormat: 'zvhd2',
      containerFormat: 'bare',
      osType: 'linux',
    });
    expect(r).toEqual({
      volumeId: '16369c5d-384d-4e64-b37a-56d898769362',
      imageId: 'c5333daa-fbc8-4d1d-bf79-b0567bb45d15',
      imageName: 'evs-ims-test1027',
      status: 'uploading',
      size: 40,
      diskFormat: 'vhd',
      containerFormat: 'bare',
    });
    const [req] = cloud.serviceRequests();
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toBe(
      '{"os-volume_upload_image":{"image_name":"golden-2024","force":true,"disk_format":"zvhd2","container_format":"bare","__os_type":"linux"}}',
    );
  });

  it('uploadImage: a 200 is not the documented 202 → CloudError', async () => {
    cloud.on('POST', `/evs/v2/${PROJECT}/volumes/${VOL}/action`, (_r, res) => send(res, 200, fixture('evs/upload-response-otc.json')));
    await expect(client.evs.uploadImage(VOL, { imageName: 'n', force: false })).rejects.toMatchObject({
      name: 'CloudError',
      status: 200,
      op: 'evs.uploadImage',
    });
  });

  it('maps an EVS fault to a CloudError with code, message and request id', async () => {
    cloud.on('POST', `/evs/v2/${PROJECT}/volumes/${VOL}/action`, (_r, res) =>
      send(res, 400, fixture('evs/error-badrequest.json'), { 'X-Request-Id': 'req-77' }),
    );
    const err = await client.evs.uploadImage(VOL, { imageName: 'n', force: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({
      service: 'evs',
      op: 'evs.uploadImage',
      method: 'POST',
      path: `/evs/v2/${PROJECT}/volumes/${VOL}/action`,
      status: 400,
      code: 'EVS.5400',
      cloudMessage: 'Malformed request body.',
      requestId: 'req-77',
    });
    expect((err as Error).message).toBe('EVS uploadImage 400 EVS.5400: Malformed request body. (request id req-77)');
    expect(cloud.serviceRequests()).toHaveLength(1);
  });

  it('a 2xx body without the documented shape → CloudError InvalidResponse', async () => {
    cloud.on('GET', `/evs/v2/${PROJECT}/volumes/${VOL}`, (_r, res) => send(res, 200, '<html>hello</html>'));
    await expect(client.evs.getVolume(VOL)).rejects.toMatchObject({ code: 'InvalidResponse', status: 200, op: 'evs.getVolume' });
  });
});

describe('ECS', () => {
  it('stopServers: POST {ecs}/cloudservers/action os-stop → job id', async () => {
    cloud.on('POST', `/ecs/v1/${PROJECT}/cloudservers/action`, (_r, res) => send(res, 200, { job_id: 'ff808082889bd9690189061140c235fe' }));
    expect(await client.ecs.stopServers(['616fb98f-46ca-475e-917e-2563e5a8cd19', '726fb98f-46ca-475e-917e-2563e5a8cd20'], 'HARD')).toBe(
      'ff808082889bd9690189061140c235fe',
    );
    const [r] = cloud.serviceRequests();
    expect(r.json).toEqual(fixture('ecs/stop-request-hard.json'));
    expect(r.body).toBe(
      '{"os-stop":{"type":"HARD","servers":[{"id":"616fb98f-46ca-475e-917e-2563e5a8cd19"},{"id":"726fb98f-46ca-475e-917e-2563e5a8cd20"}]}}',
    );
  });

  it('startServers: os-start, a 202 with a job id is accepted', async () => {
    cloud.on('POST', `/ecs/v1/${PROJECT}/cloudservers/action`, (_r, res) => send(res, 202, { job_id: 'j2' }));
    expect(await client.ecs.startServers(['a'])).toBe('j2');
    expect(cloud.serviceRequests()[0].body).toBe('{"os-start":{"servers":[{"id":"a"}]}}');
  });

  it('getServer and getJob', async () => {
    cloud.on('GET', `/ecs/v1/${PROJECT}/cloudservers/4f4b3dfa-eb70-47cf-a60a-998a53bd598a`, (_r, res) =>
      send(res, 200, fixture('ecs/server-detail.json')),
    );
    cloud.on('GET', `/ecs/v1/${PROJECT}/jobs/2c9eb2c5544cbf6101544f0602af2b4f`, (_r, res) =>
      send(res, 200, fixture('ecs/job-success.json')),
    );
    expect(await client.ecs.getServer('4f4b3dfa-eb70-47cf-a60a-998a53bd598a')).toMatchObject({
      status: 'ACTIVE',
      taskState: null,
      locked: false,
    });
    expect(await client.ecs.getJob('2c9eb2c5544cbf6101544f0602af2b4f')).toMatchObject({
      status: 'SUCCESS',
      subJobs: [{ serverId: 'bae51750-0089-41a1-9b18-5c777978ff6d' }],
    });
  });

  it('an ECS error with details', async () => {
    cloud.on('POST', `/ecs/v1/${PROJECT}/cloudservers/action`, (_r, res) => send(res, 400, fixture('ecs/error-details.json')));
    await expect(client.ecs.stopServers(['a'], 'SOFT')).rejects.toMatchObject({ code: 'Ecs.0100', details: [{ code: 'Ecs.0605' }] });
  });
});

describe('IMS', () => {
  const IMG = 'bc6bed6e-ba3a-4447-afcc-449174a3eb52';

  it('getImage: GET {image}/v2/images/{id}', async () => {
    cloud.on('GET', `/ims/v2/images/${IMG}`, (_r, res) => send(res, 200, fixture('ims/image-otc.json')));
    expect(await client.ims.getImage(IMG)).toMatchObject({ id: IMG, status: 'active' });
  });

  it('getImage 404 → isStatus(err, 404)', async () => {
    cloud.on('GET', `/ims/v2/images/${IMG}`, (_r, res) => send(res, 404, fixture('ims/error-img-0027.json')));
    const err = await client.ims.getImage(IMG).catch((e: unknown) => e);
    expect(isStatus(err, 404)).toBe(true);
    expect((err as Error).message).toBe('IMS getImage 404 IMG.0027: The image does not exist.');
  });

  it('findImages follows next pages and keeps exact name matches only', async () => {
    const img = (id: string, name: string) => ({ ...fixture<Record<string, unknown>>('ims/image-glance.json'), id, name, owner: PROJECT });
    cloud.on('GET', '/ims/v2/images', (r, res) => {
      if (!r.query.get('marker')) {
        send(res, 200, {
          images: [img('a', 'golden 1'), img('b', 'golden 10')],
          first: '/v2/images',
          next: '/v2/images?marker=b&name=golden%201',
          schema: '/v2/schemas/images',
        });
      } else {
        send(res, 200, { images: [img('c', 'golden 1')], first: '/v2/images', schema: '/v2/schemas/images' });
      }
    });
    const found = await client.ims.findImages({ name: 'golden 1', owner: PROJECT });
    expect(found.map((i) => i.id)).toEqual(['a', 'c']);
    const reqs = cloud.serviceRequests();
    expect(reqs.map((r) => r.url)).toEqual([
      `/ims/v2/images?name=golden%201&owner=${PROJECT}&limit=100`,
      '/ims/v2/images?marker=b&name=golden%201',
    ]);
    expect(client.callCounts()['ims.listImages']).toBe(2);

    // A listing whose first token the caller took (`prepaid`, the shared reads) takes one for each later page.
    await client.projectId();
    const budget = client.budget();
    const take = budget.take.bind(budget);
    let taken = 0;
    budget.take = (signal, lane) => {
      taken++;
      return take(signal, lane);
    };
    await client.ims.findImages({ name: 'golden 1', owner: PROJECT }, { prepaid: true });
    expect(taken).toBe(1);
  });

  it("listOwnImages: every page of the project's images, oldest first, keeping only the owner's", async () => {
    const img = (id: string, owner: string) => ({ ...fixture<Record<string, unknown>>('ims/image-glance.json'), id, owner });
    cloud.on('GET', '/ims/v2/images', (r, res) =>
      r.query.get('marker')
        ? send(res, 200, { images: [img('c', PROJECT)], first: '/v2/images', schema: '/v2/schemas/images' })
        : send(res, 200, {
            images: [img('a', PROJECT), img('b', 'someone-else')],
            next: '/v2/images?marker=b',
            schema: '/v2/schemas/images',
          }),
    );
    expect((await client.ims.listOwnImages(PROJECT)).map((i) => i.id)).toEqual(['a', 'c']);
    expect(cloud.serviceRequests().map((r) => r.url)).toEqual([
      `/ims/v2/images?owner=${PROJECT}&sort_key=created_at&sort_dir=asc&limit=1000`,
      '/ims/v2/images?marker=b',
    ]);
  });

  it('findImages stops on a repeated next link', async () => {
    cloud.on('GET', '/ims/v2/images', (_r, res) => send(res, 200, { images: [], next: '/v2/images?marker=same' }));
    await expect(client.ims.findImages({ name: 'x' })).rejects.toMatchObject({ code: 'InvalidResponse' });
  });

  it('deleteImage → 204, addTag → PUT 204 with encoded segments', async () => {
    cloud.on('DELETE', `/ims/v2/images/${IMG}`, (_r, res) => send(res, 204));
    cloud.on('PUT', /^\/ims\/v2\/images\/.+\/tags\/.+$/, (_r, res) => send(res, 204));
    await client.ims.deleteImage(IMG);
    await client.ims.addTag('id/with slash', 'golden-image_1');
    const [del, put] = cloud.serviceRequests();
    expect([del.method, del.url]).toEqual(['DELETE', `/ims/v2/images/${IMG}`]);
    expect([put.method, put.url, put.body]).toEqual(['PUT', '/ims/v2/images/id%2Fwith%20slash/tags/golden-image_1', '']);
  });

  it('deleteImage: a 200 is not 204 → CloudError', async () => {
    cloud.on('DELETE', `/ims/v2/images/${IMG}`, (_r, res) => send(res, 200, {}));
    await expect(client.ims.deleteImage(IMG)).rejects.toMatchObject({ status: 200, op: 'ims.deleteImage' });
  });
});

describe('client', () => {
  it('projectId comes from the token', async () => {
    expect(await client.projectId()).toBe(PROJECT);
    expect(client.callCounts()).toEqual({ 'keystone.token': 1 });
  });

  it('counts every HTTP attempt per operation', async () => {
    cloud.on('GET', `/evs/v2/${PROJECT}/volumes/${VOL}`, (_r, res) => send(res, 200, { volume: fixture('evs/volume-system-disk.json') }));
    cloud.on('DELETE', /\/ims\/v2\/images\/.*/, (_r, res) => send(res, 404, fixture('ims/error-img-0027.json')));
    await client.evs.getVolume(VOL);
    await client.evs.getVolume(VOL);
    await client.ims.deleteImage('x').catch(() => undefined);
    expect(client.callCounts()).toEqual({ 'keystone.token': 1, 'evs.getVolume': 2, 'ims.deleteImage': 1 });
  });

  it('fails calls after close()', async () => {
    await client.close();
    await expect(client.evs.getVolume(VOL)).rejects.toThrow(/closed/);
  });
});

describe('catalog through the client', () => {
  it('an ambiguous region is a clear error listing the regions', async () => {
    const other = await FakeCloud.start();
    try {
      other.catalog = [
        {
          type: 'volumev2',
          name: 'cinderv2',
          endpoints: [
            { region_id: 'eu-de', interface: 'public', url: `${other.url}/evs/v2/${PROJECT}` },
            { region_id: 'eu-nl', interface: 'public', url: `${other.url}/nl/v2/${PROJECT}` },
          ],
        },
      ];
      const c = clientFor(other, {}, { OS_REGION_NAME: '' });
      const err = await c.evs.getVolume(VOL).catch((e: unknown) => e);
      await c.close();
      expect((err as Error).message).toMatch(/several regions: eu-de, eu-nl; set the region \(OS_REGION_NAME/);
      expect(err).toMatchObject({ name: 'EndpointNotFoundError' });
    } finally {
      await other.close();
    }
  });
});
