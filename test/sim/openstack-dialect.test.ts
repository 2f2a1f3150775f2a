// The simulator's openstack dialect (src/sim/openstack/, cloud-api.md §6.5): a vanilla catalog, and Cinder v3, Nova
// v2.1 and Glance v2 routes with their own status codes and error bodies, on the one model the OTC routes use.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCloudConfig } from '../../src/cloud/config';
import { type Json, useSim, waitFor } from './helpers';

const t = useSim({ dialect: 'openstack' });
const c = () => t.c;
const project = () => t.c.project;

function seed(spec: Record<string, unknown>) {
  return t.s().sim.seed(spec);
}

const cinder = (path: string) => `/volume/v3/${project()}${path}`;
const upload = (id: string, o: Record<string, unknown>, headers: Record<string, string> = {}) =>
  c().call('POST', cinder(`/volumes/${id}/action`), { 'os-volume_upload_image': o }, headers);
const nova = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  c().call('POST', `/compute/v2.1/servers/${id}/action`, body, headers);
const server = (id: string, headers: Record<string, string> = {}) => c().call('GET', `/compute/v2.1/servers/${id}`, undefined, headers);

describe('Keystone: a vanilla catalog', () => {
  it('lists identity, volumev3, block-storage, compute and image — no ecs, evs, volumev2 — and no OTC extras', async () => {
    const a = t.s().sim.account;
    const r = await c().call('POST', '/v3/auth/tokens', {
      auth: {
        identity: { methods: ['password'], password: { user: { name: a.userName, password: a.password, domain: { name: 'Default' } } } },
        scope: { project: { id: a.projectId } },
      },
    });
    expect(r.status).toBe(201);
    const catalog = r.body.token.catalog as Json[];
    expect(catalog.map((s) => s.type)).toEqual(['identity', 'volumev3', 'block-storage', 'compute', 'image']);
    const url = (type: string) => catalog.find((s) => s.type === type).endpoints[0].url;
    expect(url('volumev3')).toBe(`${t.s().url}/volume/v3/${a.projectId}`);
    expect(url('compute')).toBe(`${t.s().url}/compute/v2.1`);
    expect(url('image')).toBe(`${t.s().url}/image`);
    expect(catalog[0].endpoints[0].region).toBe('RegionOne');
    expect(r.body.token.project.domain).toEqual({ name: 'Default', id: expect.any(String) });
    expect(r.body.token.roles.map((x: Json) => x.name)).toEqual(['member', 'reader']);
  });

  it('cloudEnv and cloudsYaml point a client at it; the yaml names the openstack profile', () => {
    const s = t.s();
    expect(s.sim.dialect).toBe('openstack');
    expect(s.cloudEnv).toMatchObject({ OS_AUTH_URL: `${s.url}/v3`, OS_USER_DOMAIN_NAME: 'Default', OS_REGION_NAME: 'RegionOne' });
    const dir = mkdtempSync(join(tmpdir(), 'sim-yaml-'));
    try {
      const file = join(dir, 'clouds.yaml');
      writeFileSync(file, s.cloudsYaml);
      expect(loadCloudConfig({ cloud: 'sim', files: [file], env: {} })).toMatchObject({ profile: 'openstack', region: 'RegionOne' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Cinder v3: os-volume_upload_image', () => {
  it('an available disk: 202 with Cinder’s fields; a disk that does not exist is itemNotFound with an integer code', async () => {
    const { volumes } = seed({ volumes: [{ name: 'd', size: 3 }] });
    const r = await upload(volumes[0].id, { image_name: 'img', disk_format: 'qcow2' });
    expect(r.status).toBe(202);
    expect(r.body['os-volume_upload_image']).toMatchObject({
      id: volumes[0].id,
      image_name: 'img',
      disk_format: 'qcow2',
      container_format: 'bare',
      status: 'uploading',
      volume_type: null,
      size: 3,
    });
    expect(r.body['os-volume_upload_image']).not.toHaveProperty('visibility');
    expect(r.headers.get('openstack-api-version')).toBe('volume 3.0');
    const missing = await c().call('GET', cinder('/volumes/00000000-0000-4000-8000-000000000000'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      itemNotFound: { code: 404, message: 'Volume 00000000-0000-4000-8000-000000000000 could not be found.' },
    });
  });

  it("its schema: no __os_type, Cinder's disk formats, visibility and protected only from microversion 3.1", async () => {
    const { volumes } = seed({ volumes: [{ name: 'd', size: 1 }] });
    const id = volumes[0].id;
    const osType = await upload(id, { image_name: 'img', __os_type: 'linux' });
    expect(osType.status).toBe(400);
    expect(osType.body.badRequest.code).toBe(400);
    expect(osType.body.badRequest.message).toContain("Additional properties are not allowed ('__os_type' was unexpected)");
    const zvhd2 = await upload(id, { image_name: 'img', disk_format: 'zvhd2' });
    expect(zvhd2.body.badRequest.message).toContain("'zvhd2' is not one of ['raw', 'vmdk', 'vdi', 'qcow2', 'vhd', 'vhdx', 'ploop']");
    const early = await upload(id, { image_name: 'img', visibility: 'private' });
    expect(early.body.badRequest.message).toContain("('visibility' was unexpected)");
    const v31 = await upload(id, { image_name: 'img', visibility: 'private', protected: false }, { 'OpenStack-API-Version': 'volume 3.1' });
    expect(v31.status).toBe(202);
    expect(v31.body['os-volume_upload_image']).toMatchObject({ visibility: 'private', protected: false });
    expect(v31.headers.get('openstack-api-version')).toBe('volume 3.1');
    expect(v31.headers.get('vary')).toBe('OpenStack-API-Version');
  });

  it('microversion headers out of range or malformed are refused', async () => {
    const { volumes } = seed({ volumes: [{ name: 'd', size: 1 }] });
    const high = await upload(volumes[0].id, { image_name: 'x' }, { 'OpenStack-API-Version': 'volume 3.99' });
    expect(high.status).toBe(406);
    expect(high.body.computeFault.message).toBe('Version 3.99 is not supported by the API. Minimum is 3.0 and maximum is 3.70.');
    const bad = await upload(volumes[0].id, { image_name: 'x' }, { 'OpenStack-API-Version': 'volume three' });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toContain('is of invalid format');
  });

  it("an in-use disk: force is honoured only where forced uploads are allowed, else Cinder's 400", async () => {
    const { volumes } = seed({ servers: [{ name: 'app', status: 'SHUTOFF' }], volumes: [{ name: 'd', size: 1, attachedTo: ['app'] }] });
    const id = volumes[0].id;
    const noForce = await upload(id, { image_name: 'img' });
    expect(noForce.status).toBe(400);
    expect(noForce.body).toEqual({ badRequest: { code: 400, message: `Invalid volume: Volume ${id} status must be available` } });
    // Cinder's default: enable_force_upload = False, the flag is dropped and the answer is the same.
    expect(t.s().sim.config().allowForcedUpload).toBe(false);
    const forced = await upload(id, { image_name: 'img', force: true });
    expect(forced.status).toBe(400);
    expect(forced.body.badRequest.message).toBe(`Invalid volume: Volume ${id} status must be available`);
    expect(t.s().sim.state().images).toEqual([]);

    // Allowed now; the upload waits for /advance, so the disk is still `uploading` for the next request.
    t.s().sim.setConfig({ allowForcedUpload: true, timings: { uploadBaseMs: null } });
    const allowed = await upload(id, { image_name: 'img', force: 'True' });
    expect(allowed.status).toBe(202);
    expect(t.s().sim.oracle().exports).toEqual([expect.objectContaining({ volumeId: id, force: true })]);
    const busy = await upload(id, { image_name: 'again', force: true });
    expect(busy.body.badRequest.message).toBe(`Invalid volume: Volume ${id} status must be available or in-use`);
  });

  it('snapshots and disks from them on /volume/v3, with Cinder defaults for the zone; refusals in Cinder bodies', async () => {
    const { volumes } = seed({ volumes: [{ name: 'd', size: 2, availabilityZone: 'eu-de-02' }] });
    const snap = await c().call('POST', cinder('/snapshots'), { snapshot: { volume_id: volumes[0].id, name: 's' } });
    expect(snap.status).toBe(202);
    const sid = snap.body.snapshot.id as string;
    await waitFor(async () => (await c().call('GET', cinder(`/snapshots/${sid}`))).body.snapshot.status === 'available', 'snapshot');
    const vol = await c().call('POST', cinder('/volumes'), { volume: { name: 'copy', size: 2, snapshot_id: sid } });
    expect(vol.status).toBe(202);
    expect(vol.body.volume).toMatchObject({ name: 'copy', availability_zone: 'eu-de-02', status: 'creating' });
    const found = await c().call('GET', cinder('/volumes/detail?name=copy'));
    expect(found.body.volumes.map((v: Json) => v.id)).toEqual([vol.body.volume.id]);
    const tooSmall = await c().call('POST', cinder('/volumes'), { volume: { name: 'x', size: 1, snapshot_id: sid } });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.badRequest).toMatchObject({
      code: 400,
      message: expect.stringContaining('cannot be smaller than the snapshot size'),
    });
  });
});

describe('Nova v2.1: server show and os-stop / os-start', () => {
  it('server show: OS-EXT-STS fields; locked only from microversion 2.9; no OTC extras', async () => {
    const { servers } = seed({ servers: [{ name: 'app', locked: true }] });
    const plain = await server(servers[0].id);
    expect(plain.status).toBe(200);
    expect(plain.body.server).toMatchObject({
      id: servers[0].id,
      status: 'ACTIVE',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 1,
      metadata: {},
    });
    for (const k of ['locked', 'sys_tags', 'host_status', 'tags', 'fault', 'OS-EXT-SRV-ATTR:root_device_name'])
      expect(plain.body.server).not.toHaveProperty(k);
    expect(plain.headers.get('openstack-api-version')).toBe('compute 2.1');
    const v29 = await server(servers[0].id, { 'OpenStack-API-Version': 'compute 2.9' });
    expect(v29.body.server.locked).toBe(true);
    const legacy = await server(servers[0].id, { 'X-OpenStack-Nova-API-Version': '2.9' });
    expect(legacy.body.server.locked).toBe(true);
    const missing = await server('nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ itemNotFound: { code: 404, message: 'Instance nope could not be found.' } });
  });

  it('os-stop: 202 with no body, ACTIVE + powering-off, then SHUTOFF; a second os-stop is 409 vm_state stopped', async () => {
    const { servers } = seed({ servers: [{ name: 'app' }] });
    const id = servers[0].id;
    await c().admin('PUT', '/config', { timings: { stopMs: null } });
    const r = await nova(id, { 'os-stop': null });
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    expect((await server(id)).body.server).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': 'powering-off' });
    const busy = await nova(id, { 'os-stop': null });
    expect(busy.status).toBe(409);
    expect(busy.body).toEqual({
      conflictingRequest: { code: 409, message: `Cannot 'stop' instance ${id} while it is in task_state powering-off` },
    });
    await c().admin('POST', '/advance', { kind: 'stop', id });
    expect((await server(id)).body.server).toMatchObject({
      status: 'SHUTOFF',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:vm_state': 'stopped',
    });
    const again = await nova(id, { 'os-stop': null });
    expect(again.status).toBe(409);
    expect(again.body.conflictingRequest.message).toBe(`Cannot 'stop' instance ${id} while it is in vm_state stopped`);
    const start = await nova(id, { 'os-start': null });
    expect(start.status).toBe(202);
    await waitFor(async () => (await server(id)).body.server.status === 'ACTIVE', 'started');
    expect(t.s().sim.oracle().servers[id]).toMatchObject({ stops: 1, starts: 1 });
  });

  it('a conflict fault: someone else stops the server first, this os-stop meets task_state powering-off', async () => {
    const { servers } = seed({ servers: [{ name: 'app' }] });
    const id = servers[0].id;
    await c().admin('POST', '/faults', { op: 'ecs.stop', target: id, kind: 'conflict' });
    const r = await nova(id, { 'os-stop': null });
    expect(r.status).toBe(409);
    expect(r.body.conflictingRequest.message).toBe(`Cannot 'stop' instance ${id} while it is in task_state powering-off`);
    await waitFor(async () => (await server(id)).body.server.status === 'SHUTOFF', 'the other stop');
    expect(t.s().sim.oracle().servers[id].stops).toBe(1);
  });

  it('a locked server is 409 "is locked"; another action is 400', async () => {
    const { servers } = seed({ servers: [{ name: 'app', locked: true }] });
    const locked = await nova(servers[0].id, { 'os-stop': null });
    expect(locked.status).toBe(409);
    expect(locked.body.conflictingRequest.message).toBe(`Instance ${servers[0].id} is locked`);
    const reboot = await nova(servers[0].id, { reboot: { type: 'SOFT' } });
    expect(reboot.status).toBe(400);
    expect(reboot.body.badRequest.message).toBe('There is no such action: reboot');
  });

  it('servers/detail pages by marker, newest first, with servers_links', async () => {
    seed({ servers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    const first = await c().call('GET', '/compute/v2.1/servers/detail?limit=2');
    expect(first.body.servers).toHaveLength(2);
    const next = first.body.servers_links[0].href as string;
    const rest = await c().call('GET', next.slice(t.s().url.length));
    expect(rest.body.servers).toHaveLength(1);
    expect(rest.body).not.toHaveProperty('servers_links');
  });
});

describe('Glance v2', () => {
  it("an exported image: Glance's body, no IMS extras; tags by PUT", async () => {
    const { volumes } = seed({ volumes: [{ name: 'd', size: 1 }] });
    const up = await upload(volumes[0].id, { image_name: 'img' });
    const id = up.body['os-volume_upload_image'].image_id as string;
    const img = await c().call('GET', `/image/v2/images/${id}`);
    expect(img.status).toBe(200);
    expect(img.body).toMatchObject({ id, name: 'img', disk_format: 'raw', visibility: 'private', os_hidden: false });
    expect(['queued', 'saving']).toContain(img.body.status);
    expect(Object.keys(img.body).filter((k) => k.startsWith('__'))).toEqual([]);
    expect(img.body).not.toHaveProperty('virtual_env_type');
    await waitFor(async () => (await c().call('GET', `/image/v2/images/${id}`)).body.status === 'active', 'active');
    expect((await c().call('PUT', `/image/v2/images/${id}/tags/golden`)).status).toBe(204);
    const list = await c().call('GET', '/image/v2/images?tag=golden');
    expect(list.body.images.map((i: Json) => i.id)).toEqual([id]);
    expect(list.body.images[0].os_hash_algo).toBe('sha512');
  });

  it("refusals are WebOb's JSON; a private image's members are 403 (only shared images have members)", async () => {
    const missing = await c().call('GET', '/image/v2/images/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      message: expect.stringMatching(/^Image 00000000-0000-4000-8000-000000000000 could not be found\.<br \/><br \/>\n/),
      code: '404 Not Found',
      title: 'Not Found',
    });
    const { images } = seed({ images: [{ name: 'mine' }, { name: 'shared', members: ['other-project'] }] });
    const priv = await c().call('GET', `/image/v2/images/${images[0].id}/members`);
    expect(priv.status).toBe(403);
    expect(priv.body).toMatchObject({ code: '403 Forbidden', title: 'Forbidden' });
    expect(priv.body.message).toContain('Only shared images have members.');
    const shared = await c().call('GET', `/image/v2/images/${images[1].id}/members`);
    expect(shared.body.members.map((m: Json) => m.member_id)).toEqual(['other-project']);
  });
});

describe('every vanilla service', () => {
  it("refuses a bad token with keystonemiddleware's 401 body", async () => {
    for (const path of [cinder('/volumes/detail'), '/compute/v2.1/servers/detail', '/image/v2/images']) {
      const r = await c().call('GET', path, undefined, { 'X-Auth-Token': 'bogus' });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({
        error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
      });
    }
  });

  it('injected errors take the service’s own shape; the OTC routes still answer on the same world', async () => {
    const { volumes } = seed({ volumes: [{ name: 'd', size: 1 }] });
    await c().admin('POST', '/faults', { op: 'evs.getVolume', kind: 'error', status: 503 });
    const r = await c().call('GET', cinder(`/volumes/${volumes[0].id}`));
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ serviceUnavailable: { code: 503, message: expect.any(String) } });
    const otc = await c().call('GET', `/evs/v2/${project()}/volumes/${volumes[0].id}`);
    expect(otc.status).toBe(200);
    expect(otc.body.volume.id).toBe(volumes[0].id);
  });
});
