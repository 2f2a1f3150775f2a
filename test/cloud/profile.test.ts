// The openstack profile (cloud-api.md §6.5): chosen in clouds.yaml or EVS_EXPORT_PROFILE, else detected from the
// Keystone catalog; endpoint selection per profile; Cinder's export body, microversion and refusal; messages
// that name the vanilla services. Against a real HTTP server (fake-cloud.ts), never a mock of the client.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeOpenStackEndpoint, selectEndpoint, type CatalogService } from '../../src/cloud/catalog';
import { createCloudClient, type CloudClient } from '../../src/cloud/client';
import { CloudConfigError, loadCloudConfig } from '../../src/cloud/config';
import { classify, CloudError, CloudRequestError, parseErrorBody } from '../../src/cloud/errors';
import { toCinderUploadImageBody } from '../../src/cloud/evs/requests';
import { detectProfile } from '../../src/cloud/profile';
import { FakeCloud, fixture, passwordEnv, PROJECT, send } from './fake-cloud';

const VOL = '3a81fdac-e8ae-4e61-b6a2-2e14ff316f19';

function vanillaCatalog(url: string): CatalogService[] {
  const ep = (u: string) => [{ interface: 'public', region: 'RegionOne', url: u }];
  return [
    { type: 'identity', name: 'keystone', endpoints: ep(`${url}/identity/v3`) },
    { type: 'volumev3', name: 'cinderv3', endpoints: ep(`${url}/volume/v3/${PROJECT}`) },
    { type: 'block-storage', name: 'cinder', endpoints: ep(`${url}/volume/v3/${PROJECT}`) },
    { type: 'compute', name: 'nova', endpoints: ep(`${url}/compute/v2.1`) },
    { type: 'image', name: 'glance', endpoints: ep(`${url}/image`) },
  ];
}

describe('profile detection and endpoints', () => {
  it('a catalog with an ecs service is OTC; one with Nova and no ecs is vanilla OpenStack; one with neither stays OTC', () => {
    expect(detectProfile([{ type: 'identity' }, { type: 'ecs' }, { type: 'compute' }, { type: 'volumev2' }])).toBe('otc');
    expect(detectProfile(vanillaCatalog('https://x'))).toBe('openstack');
    // An empty catalog (endpoint overrides do the work) or a cut-down one says nothing about the dialect.
    expect(detectProfile([])).toBe('otc');
    expect(detectProfile([{ type: 'volumev2' }, { type: 'image' }])).toBe('otc');
  });

  it('the openstack profile picks volumev3 (never volumev2), compute and image', () => {
    const catalog: CatalogService[] = [
      { type: 'volumev2', name: 'cinderv2', endpoints: [{ interface: 'public', region: 'R', url: 'https://c/v2/p' }] },
      ...vanillaCatalog('https://c'),
    ];
    expect(selectEndpoint(catalog, 'evs', { profile: 'openstack' })).toBe(`https://c/volume/v3/${PROJECT}`);
    expect(selectEndpoint(catalog, 'ecs', { profile: 'openstack' })).toBe('https://c/compute/v2.1');
    expect(selectEndpoint(catalog, 'ims', { profile: 'openstack' })).toBe('https://c/image');
    // The OTC profile on a vanilla catalog finds no ECS, and says what to set.
    expect(() => selectEndpoint(catalog, 'ecs')).toThrow(/no ECS endpoint.*EVS_EXPORT_PROFILE=openstack/);
    expect(() => selectEndpoint([], 'ecs', { profile: 'openstack' })).toThrow(/no Nova endpoint in the catalog for types compute/);
  });

  it('an unversioned Cinder or Nova endpoint gets its version (and Cinder its project)', () => {
    expect(completeOpenStackEndpoint('https://cinder:8776/', 'evs', 'p1')).toBe('https://cinder:8776/v3/p1');
    expect(completeOpenStackEndpoint('https://cinder:8776/v3', 'evs', 'p1')).toBe('https://cinder:8776/v3/p1');
    expect(completeOpenStackEndpoint('https://h/volume/v3/p1', 'evs', 'p1')).toBe('https://h/volume/v3/p1');
    expect(completeOpenStackEndpoint('https://nova:8774', 'ecs', 'p1')).toBe('https://nova:8774/v2.1');
    expect(completeOpenStackEndpoint('https://h/compute/v2.1/p1', 'ecs', 'p1')).toBe('https://h/compute/v2.1/p1');
    expect(completeOpenStackEndpoint('https://h/image', 'ims', 'p1')).toBe('https://h/image');
  });
});

describe('profile settings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'profile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const yaml = (profile: string) => {
    const file = join(dir, 'clouds.yaml');
    writeFileSync(
      file,
      `clouds:\n  c:\n    auth:\n      auth_url: https://k/v3\n      username: u\n      password: p\n      user_domain_name: Default\n` +
        `      project_name: demo\n    evs_export_profile: ${profile}\n    compute_endpoint_override: https://nova.example.com/v2.1\n`,
    );
    return file;
  };

  it('clouds.yaml evs_export_profile, overridden by EVS_EXPORT_PROFILE; auto or absent means detect', () => {
    const file = yaml('openstack');
    expect(loadCloudConfig({ cloud: 'c', files: [file], env: {} })).toMatchObject({
      profile: 'openstack',
      computeEndpointOverride: 'https://nova.example.com/v2.1',
    });
    expect(loadCloudConfig({ cloud: 'c', files: [file], env: { EVS_EXPORT_PROFILE: 'OTC' } }).profile).toBe('otc');
    expect(loadCloudConfig({ cloud: 'c', files: [file], env: { EVS_EXPORT_PROFILE: 'auto' } }).profile).toBeUndefined();
    expect(loadCloudConfig({ cloud: 'c', files: [yaml('auto')], env: {} }).profile).toBeUndefined();
    expect(loadCloudConfig({ env: passwordEnv('https://k') }).profile).toBeUndefined();
    expect(loadCloudConfig({ env: passwordEnv('https://k', { EVS_EXPORT_PROFILE: 'openstack' }) }).profile).toBe('openstack');
  });

  it('refuses an unknown profile, naming the setting, and AK/SK with the openstack profile', () => {
    const bad = (() => {
      try {
        loadCloudConfig({ cloud: 'c', files: [yaml('nova')], env: {} });
      } catch (e) {
        return e as CloudConfigError;
      }
    })();
    expect(bad).toBeInstanceOf(CloudConfigError);
    expect(bad?.setting).toBe('evs_export_profile');
    expect(bad?.message).toContain('otc, openstack, auto');
    expect(() =>
      loadCloudConfig({
        env: {
          OS_ACCESS_KEY: 'AK',
          OS_SECRET_KEY: 'SK',
          OS_PROJECT_ID: 'p',
          OS_ENDPOINT_TEMPLATE: 'https://{service}.x',
          EVS_EXPORT_PROFILE: 'openstack',
        },
      }),
    ).toThrow(/AK\/SK signing is Open Telekom Cloud's and Huawei Cloud's/);
  });
});

describe('Cinder export body (openstack profile)', () => {
  it('no __os_type, force only when true, private and unprotected (microversion 3.1)', () => {
    expect(
      toCinderUploadImageBody({ imageName: 'img', force: false, diskFormat: 'qcow2', containerFormat: 'bare', osType: 'linux' }),
    ).toEqual({
      'os-volume_upload_image': {
        image_name: 'img',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'private',
        protected: false,
      },
    });
    expect(toCinderUploadImageBody({ imageName: 'img', force: true })).toEqual({
      'os-volume_upload_image': { image_name: 'img', force: true, visibility: 'private', protected: false },
    });
  });

  it("reads Glance's WebOb error body: no status line as the code, no <br />", () => {
    expect(
      parseErrorBody(
        JSON.stringify({ message: 'No image found with ID abc<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' }),
      ),
    ).toMatchObject({ code: '', message: 'No image found with ID abc' });
  });
});

describe('a client against a vanilla catalog', () => {
  let cloud: FakeCloud;
  let client: CloudClient;
  beforeEach(async () => {
    cloud = await FakeCloud.start();
    cloud.catalog = vanillaCatalog(cloud.url);
    client = createCloudClient(loadCloudConfig({ env: passwordEnv(cloud.url, { OS_REGION_NAME: 'RegionOne' }) }), {
      rateLimit: false,
      retry: { baseDelayMs: 5, maxDelayMs: 50 },
    });
  });
  afterEach(async () => {
    await client.close();
    await cloud.close();
  });

  const action = `/volume/v3/${PROJECT}/volumes/${VOL}/action`;

  it('detects the openstack profile and exports through Cinder v3 with the 3.1 microversion header', async () => {
    cloud.on('POST', action, (_r, res) => send(res, 202, fixture('evs/upload-response-cinder.json')));
    expect(await client.profile()).toBe('openstack');
    const r = await client.evs.uploadImage(VOL, { imageName: 'test', force: true, diskFormat: 'raw', osType: 'linux' });
    expect(r).toMatchObject({ volumeId: VOL, imageId: 'de75b74e-7f0d-4b59-a263-bd87bfc313bd', status: 'uploading', diskFormat: 'raw' });
    const [req] = cloud.serviceRequests();
    expect(req.headers['openstack-api-version']).toBe('volume 3.1');
    expect(req.json).toEqual({
      'os-volume_upload_image': { image_name: 'test', force: true, disk_format: 'raw', visibility: 'private', protected: false },
    });
  });

  it("explains Cinder's 400 for a forced upload the cloud forbids: CloudRejected-class words naming enable_force_upload", async () => {
    cloud.on('POST', action, (_r, res) =>
      send(res, 400, { badRequest: { code: 400, message: `Invalid volume: Volume ${VOL} status must be available` } }),
    );
    const err = await client.evs.uploadImage(VOL, { imageName: 'test', force: true, diskFormat: 'raw' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    const e = err as CloudError;
    expect(e.status).toBe(400);
    expect(classify(e)).toMatchObject({ kind: 'invalid', retryable: false });
    expect(e.message).toMatch(/^Cinder uploadImage 400: Invalid volume: Volume .* status must be available/);
    expect(e.message).toContain('does not allow forced uploads');
    expect(e.message).toContain('enable_force_upload = True');
    expect(e.message).toContain('snapshot strategy');
  });

  it('leaves other 400s as Cinder said them (the same refusal without force is not about forcing)', async () => {
    cloud.on('POST', action, (_r, res) =>
      send(res, 400, { badRequest: { code: 400, message: `Invalid volume: Volume ${VOL} status must be available` } }),
    );
    const err = (await client.evs.uploadImage(VOL, { imageName: 'test', force: false }).catch((e: unknown) => e)) as CloudError;
    expect(err.message).not.toContain('enable_force_upload');
    // Cinder allowed force but the disk was in another state: "available or in-use" is not the policy refusal.
    cloud.on('POST', action, (_r, res) =>
      send(res, 400, { badRequest: { code: 400, message: `Invalid volume: Volume ${VOL} status must be available or in-use` } }),
    );
    const err2 = (await client.evs.uploadImage(VOL, { imageName: 'test', force: true }).catch((e: unknown) => e)) as CloudError;
    expect(err2.message).not.toContain('enable_force_upload');
  });

  it("refuses OTC's zvhd2 before sending, naming Cinder's formats", async () => {
    const err = await client.evs.uploadImage(VOL, { imageName: 'test', force: false, diskFormat: 'zvhd2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudRequestError);
    expect(classify(err)).toMatchObject({ kind: 'invalid', retryable: false });
    expect((err as Error).message).toContain('raw, qcow2, vmdk, vdi, vhd, vhdx, ploop');
    expect(cloud.serviceRequests()).toEqual([]);
  });

  it("the otc profile refuses Cinder-only formats before sending, naming EVS's", async () => {
    const otc = createCloudClient(
      loadCloudConfig({ env: passwordEnv(cloud.url, { OS_REGION_NAME: 'RegionOne', EVS_EXPORT_PROFILE: 'otc' }) }),
      {
        rateLimit: false,
      },
    );
    try {
      const err = await otc.evs.uploadImage(VOL, { imageName: 'test', force: false, diskFormat: 'vmdk' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CloudRequestError);
      expect((err as Error).message).toBe(
        `EVS uploadImage: disk format "vmdk" is vanilla Cinder's; this cloud exports vhd, zvhd, zvhd2, raw, qcow2 (default zvhd2): choose one of these (not sent)`,
      );
      expect(cloud.serviceRequests()).toEqual([]);
    } finally {
      await otc.close();
    }
  });

  it('names the vanilla services in errors: Glance, Nova', async () => {
    cloud.on('GET', '/image/v2/images/nope', (_r, res) =>
      send(res, 404, { message: 'No image found with ID nope<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' }),
    );
    cloud.on('GET', '/compute/v2.1/servers/gone', (_r, res) =>
      send(res, 404, { itemNotFound: { code: 404, message: 'Instance gone could not be found.' } }),
    );
    await expect(client.ims.getImage('nope')).rejects.toThrow('Glance getImage 404: No image found with ID nope');
    await expect(client.ecs.getServer('gone')).rejects.toThrow('Nova getServer 404: Instance gone could not be found.');
  });

  it('an explicit otc profile wins over the catalog', async () => {
    const otc = createCloudClient(
      loadCloudConfig({ env: passwordEnv(cloud.url, { OS_REGION_NAME: 'RegionOne', EVS_EXPORT_PROFILE: 'otc' }) }),
      {
        rateLimit: false,
      },
    );
    try {
      expect(await otc.profile()).toBe('otc');
      await expect(otc.ecs.getServer('x')).rejects.toThrow(/no ECS endpoint/);
    } finally {
      await otc.close();
    }
  });
});
