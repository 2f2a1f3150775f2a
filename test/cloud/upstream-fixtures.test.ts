// Bodies from two independent SDKs' test fixtures (gophercloud, gophertelekomcloud; test/fixtures/upstream/README.md
// names each one's origin) through the client's own parsers: every body parses, and yields what the saga reads.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectEndpoint } from '../../src/cloud/catalog';
import { parseServer, parseServerPage } from '../../src/cloud/ecs/results';
import { EndpointNotFoundError } from '../../src/cloud/errors';
import { parseSnapshot, parseSnapshotList, parseUploadImage, parseVolume, parseVolumeList } from '../../src/cloud/evs/results';
import { parseImage, parseImagePage, parseMembers } from '../../src/cloud/ims/results';
import { parseToken } from '../../src/cloud/keystone/results';

const ROOT = join(__dirname, '..', 'fixtures', 'upstream');

function body(path: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return jsonFiles(p);
    return f.endsWith('.json') ? [relative(ROOT, p)] : [];
  });
}

/** Which parser reads which body: the client's parser for the call the body answers. */
const PARSER: Record<string, (b: unknown) => unknown> = {
  'gophercloud/blockstorage/volume-get.json': parseVolume,
  'gophercloud/blockstorage/volume-list-detail.json': parseVolumeList,
  'gophercloud/blockstorage/volume-create.json': parseVolume,
  'gophercloud/blockstorage/upload-image.json': parseUploadImage,
  'gophercloud/blockstorage/snapshot-get.json': parseSnapshot,
  'gophercloud/blockstorage/snapshot-create.json': parseSnapshot,
  'gophercloud/blockstorage/snapshot-list-detail.json': parseSnapshotList,
  'gophercloud/compute/server-list-detail.json': parseServerPage,
  'gophercloud/compute/server-get.json': parseServer,
  'gophercloud/compute/server-get-fault.json': parseServer,
  'gophercloud/image/image-get.json': parseImage,
  'gophercloud/image/image-queued.json': parseImage,
  'gophercloud/image/image-queued-nulls.json': parseImage,
  'gophercloud/image/image-list-by-tags.json': parseImagePage,
  'gophercloud/image/image-list.json': parseImagePage,
  'gophercloud/image/members-list.json': parseMembers,
  'gophercloud/identity/token-project.json': parseToken,
  'gophercloud/identity/token-domain.json': parseToken,
  'gophercloud/identity/token-minimal.json': parseToken,
  'gophertelekomcloud/blockstorage/volume-get-v2.json': parseVolume,
  'gophertelekomcloud/blockstorage/volume-list-detail-v2.json': parseVolumeList,
  'gophertelekomcloud/blockstorage/snapshot-list-v2.json': parseSnapshotList,
  'gophertelekomcloud/evs/upload-image.json': parseUploadImage,
  'gophertelekomcloud/evs/volume-get-v1.json': parseVolume,
  'gophertelekomcloud/evs/snapshot-get-v1.json': parseSnapshot,
  'gophertelekomcloud/evs/snapshot-list-v1.json': parseSnapshotList,
  'gophertelekomcloud/compute/server-get.json': parseServer,
  'gophertelekomcloud/image/image-get.json': parseImage,
};

describe('upstream fixtures: coverage', () => {
  it('has a parser for every body kept, and a body for every parser listed', () => {
    expect(jsonFiles(ROOT).sort()).toEqual(Object.keys(PARSER).sort());
  });

  it('names every body in the README with its origin', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const f of Object.keys(PARSER)) expect(readme, f).toContain(`| ${f.split('/').slice(1).join('/')} |`);
  });

  it.each(Object.keys(PARSER))('%s parses', (f) => {
    expect(() => PARSER[f](body(f))).not.toThrow();
  });
});

describe('Cinder volumes (gophercloud v3, gophertelekomcloud v2)', () => {
  it.each(['gophercloud/blockstorage/volume-get.json', 'gophertelekomcloud/blockstorage/volume-get-v2.json'])(
    '%s: status, size, bootable, multiattach and the attached server',
    (f) => {
      const v = parseVolume(body(f));
      expect(v).toMatchObject({
        id: 'd32019d3-bc6e-4319-9c1d-6722fc136a22',
        name: 'vol-001',
        status: 'available',
        size: 75,
        bootable: false, // "false", a string
        multiattach: false,
        volumeType: 'lvmdriver-1',
        availabilityZone: 'nova',
      });
      expect(v.attachments).toEqual([
        {
          serverId: '83ec2e3b-4321-422b-8706-a84185f52a0a',
          attachmentId: '05551600-a936-4d4a-ba42-79a037c1-c91a',
          device: '/dev/vdc',
          // Zoneless Cinder time read as UTC.
          attachedAt: '2016-08-06T14:48:20.000000Z',
          hostName: 'foobar',
        },
      ]);
    },
  );

  it('keeps the image metadata of a volume made from an image', () => {
    expect(parseVolume(body('gophercloud/blockstorage/volume-get.json')).volumeImageMetadata).toEqual({
      container_format: 'bare',
      image_name: 'centos',
    });
  });

  it.each(['gophercloud/blockstorage/volume-list-detail.json', 'gophertelekomcloud/blockstorage/volume-list-detail-v2.json'])(
    '%s: the detail page, one attached and one free disk',
    (f) => {
      const vs = parseVolumeList(body(f));
      expect(vs.map((v) => [v.id, v.name, v.status, v.size, v.attachments.map((a) => a.serverId)])).toEqual([
        ['289da7f8-6440-407c-9fb4-7db01ec49164', 'vol-001', 'available', 75, ['83ec2e3b-4321-422b-8706-a84185f52a0a']],
        ['96c3bda7-c82a-4f50-be73-ca7621794835', 'vol-002', 'available', 75, []],
      ]);
      expect(vs[0].metadata).toEqual({ foo: 'bar' });
    },
  );

  it('reads the 202 of a volume create (the temporary copy)', () => {
    expect(parseVolume(body('gophercloud/blockstorage/volume-create.json'))).toMatchObject({
      id: 'd32019d3-bc6e-4319-9c1d-6722fc136a22',
      name: 'vol-001',
      status: 'creating',
      attachments: [],
    });
  });

  it('reads a Cinder v1 volume: display_name as the name, the attachment without attached_at', () => {
    const v = parseVolume(body('gophertelekomcloud/evs/volume-get-v1.json'));
    expect(v).toMatchObject({ id: '521752a6-acf6-4b2d-bc7a-119f9148cd8c', name: 'vol-001', status: 'active', size: 30 });
    expect(v.attachments).toEqual([
      {
        serverId: 'd1c4788b-9435-42e2-9b81-29f3be1cd01f',
        attachmentId: '03987cd1-0ad5-40d1-9b2a-7cc48295d4fa',
        device: '/',
        attachedAt: null,
        hostName: 'mitaka',
      },
    ]);
  });
});

describe('os-volume_upload_image (both SDKs)', () => {
  it.each(['gophercloud/blockstorage/upload-image.json', 'gophertelekomcloud/evs/upload-image.json'])(
    '%s: the image id, the volume id and the formats',
    (f) => {
      expect(parseUploadImage(body(f))).toEqual({
        volumeId: 'cd281d77-8217-4830-be95-9528227c105c',
        imageId: 'ecb92d98-de08-45db-8235-bbafe317269c',
        imageName: 'test',
        status: 'uploading',
        size: 5,
        diskFormat: 'raw',
        containerFormat: 'bare',
      });
    },
  );
});

describe('Cinder snapshots', () => {
  it('reads a snapshot and the 202 of its create (volume_id written twice)', () => {
    for (const f of ['gophercloud/blockstorage/snapshot-get.json', 'gophercloud/blockstorage/snapshot-create.json']) {
      expect(parseSnapshot(body(f))).toMatchObject({
        id: 'd32019d3-bc6e-4319-9c1d-6722fc136a22',
        name: 'snapshot-001',
        status: 'available',
        size: 30,
        createdAt: '2017-05-30T03:35:03.000000Z',
      });
    }
    expect(parseSnapshot(body('gophercloud/blockstorage/snapshot-create.json')).volumeId).toBe('1234');
  });

  it.each([
    'gophercloud/blockstorage/snapshot-list-detail.json',
    'gophertelekomcloud/blockstorage/snapshot-list-v2.json',
    'gophertelekomcloud/evs/snapshot-list-v1.json',
  ])('%s: names, statuses and source volumes (v1 display_name included)', (f) => {
    expect(parseSnapshotList(body(f)).map((s) => [s.id, s.name, s.status, s.size, s.volumeId])).toEqual([
      ['289da7f8-6440-407c-9fb4-7db01ec49164', 'snapshot-001', 'available', 30, '521752a6-acf6-4b2d-bc7a-119f9148cd8c'],
      ['96c3bda7-c82a-4f50-be73-ca7621794835', 'snapshot-002', 'available', 25, '76b8950a-8594-4e5b-8dce-0dfa9c696358'],
    ]);
  });

  it('reads a Cinder v1 snapshot by its display_name', () => {
    expect(parseSnapshot(body('gophertelekomcloud/evs/snapshot-get-v1.json'))).toMatchObject({
      name: 'snapshot-001',
      status: 'available',
      createdAt: '2012-02-29T03:50:07Z',
    });
  });
});

describe('Nova servers', () => {
  it('reads status, vm_state, task_state, locked of one server', () => {
    expect(parseServer(body('gophercloud/compute/server-get.json'))).toEqual({
      id: '9e5476bd-a4ec-4653-93d6-72c93aa682ba',
      name: 'derp',
      status: 'ACTIVE',
      vmState: 'active',
      taskState: null,
      powerState: 1,
      locked: true,
      imageId: 'f90f6034-2570-4974-8351-6b49732ef2eb',
      fault: null,
      volumesAttached: [],
    });
  });

  it('reads a server without `locked` (before microversion 2.9) as unlocked, and its attached volumes', () => {
    const s = parseServer(body('gophertelekomcloud/compute/server-get.json'));
    expect(s).toMatchObject({ status: 'ACTIVE', vmState: 'active', taskState: null, locked: false });
    expect(s.volumesAttached).toEqual([{ id: 'cfb68a5e-203f-446d-9fd7-74b7e1f9722e', device: null, bootIndex: null }]);
  });

  it('reads the fault with an integer code', () => {
    expect(parseServer(body('gophercloud/compute/server-get-fault.json')).fault).toEqual({
      message:
        "Conflict updating instance c2ce4dea-b73f-4d01-8633-2c6032869281. Expected: {'task_state': [u'spawning']}. Actual: {'task_state': None}",
      code: 500,
    });
  });

  it('reads the detail list: no count, a locked server, a server booted from a volume', () => {
    const page = parseServerPage(body('gophercloud/compute/server-list-detail.json'));
    expect(page.count).toBeNull();
    expect(page.servers.map((s) => [s.id, s.name, s.status, s.taskState, s.vmState, s.locked, s.imageId])).toEqual([
      ['ef079b0c-e610-4dfb-b1aa-b49f07ac48e5', 'herp', 'ACTIVE', null, 'active', false, 'f90f6034-2570-4974-8351-6b49732ef2eb'],
      ['9e5476bd-a4ec-4653-93d6-72c93aa682ba', 'derp', 'ACTIVE', null, 'active', true, 'f90f6034-2570-4974-8351-6b49732ef2eb'],
      ['9e5476bd-a4ec-4653-93d6-72c93aa682bb', 'merp', 'ACTIVE', null, 'active', false, null],
    ]);
    expect(page.servers[0].volumesAttached.map((v) => v.id)).toEqual(['2bdbc40f-a277-45d4-94ac-d9881c777d33']);
  });
});

describe('Glance images', () => {
  it.each(['gophercloud/image/image-get.json', 'gophertelekomcloud/image/image-get.json'])('%s: id, status, tags, owner', (f) => {
    expect(parseImage(body(f))).toMatchObject({
      id: '1bea47ed-f6a9-463b-b423-14b9cca9ad27',
      name: 'cirros-0.3.2-x86_64-disk',
      status: 'active',
      tags: [],
      owner: '5ef70662f8b34079a6eddb8da9d75fe8',
      visibility: 'public',
      protected: false,
      diskFormat: 'qcow2',
      containerFormat: 'bare',
      minDisk: 0,
      dataOrigin: null,
    });
  });

  it.each(['gophercloud/image/image-queued.json', 'gophercloud/image/image-queued-nulls.json'])(
    '%s: a queued image with its tags (nulls and a repeated key tolerated)',
    (f) => {
      expect(parseImage(body(f))).toMatchObject({
        id: 'e7db3b45-8db7-47ad-8109-3fb55c2c24fd',
        status: 'queued',
        tags: ['ubuntu', 'quantal'],
        visibility: 'private',
        protected: false,
      });
    },
  );

  it('reads a page filtered by tags, without next', () => {
    const page = parseImagePage(body('gophercloud/image/image-list-by-tags.json'));
    expect(page.next).toBeNull();
    expect(page.images.map((i) => [i.id, i.status, i.tags])).toEqual([['1bea47ed-f6a9-463b-b423-14b9cca9ad27', 'active', ['foo', 'bar']]]);
  });

  it('reads a page with next, an owner-less and a shared image among them', () => {
    const page = parseImagePage(body('gophercloud/image/image-list.json'));
    expect(page.next).toBe('/images?marker=370ba8b7-3e72-4f9d-8623-7d9c95e4c28d&limit=10');
    expect(page.images.map((i) => [i.id, i.status, i.visibility])).toEqual([
      ['07aa21a9-fa1a-430e-9a33-185be5982431', 'active', 'public'],
      ['8c64f48a-45a3-4eaa-adff-a8106b6c005b', 'active', 'public'],
      ['e1b6edd4-bd9b-40ac-b010-8a6c16de4ba4', 'active', 'public'],
      ['370ba8b7-3e72-4f9d-8623-7d9c95e4c28d', 'active', 'shared'],
    ]);
  });

  it('reads the members of a shared image', () => {
    expect(parseMembers(body('gophercloud/image/members-list.json'))).toEqual([
      { memberId: '123456789', status: 'pending' },
      { memberId: '987654321', status: 'accepted' },
    ]);
  });
});

describe('Keystone v3 tokens', () => {
  it('reads expiry, project and the catalog, and finds the compute endpoint in it', () => {
    const t = parseToken(body('gophercloud/identity/token-project.json'));
    expect(t).toMatchObject({
      expiresAt: Date.parse('2017-06-03T02:19:49Z'),
      issuedAt: Date.parse('2017-06-03T01:19:49Z'),
      projectId: 'a99e9b4e620e4db09a2dfb6e42a01e66',
      projectName: 'admin',
      userId: '0fe36e73809d46aeae6705c39077b1b3',
    });
    expect(t.catalog.map((s) => [s.type, s.name, s.endpoints.map((e) => e.interface)])).toEqual([
      ['compute', 'nova', ['admin', 'internal', 'public']],
      ['identity', 'keystone', ['admin', 'public', 'internal']],
    ]);
    expect(t.catalog[0].endpoints[2]).toEqual({
      id: 'dae63c71bee24070a71f5425e7a916b5',
      interface: 'public',
      region: 'RegionOne',
      url: 'http://127.0.0.1:8774/v2.1/a99e9b4e620e4db09a2dfb6e42a01e66',
    });
    // No block-storage or image service in this catalog: selecting one says so instead of guessing.
    expect(() => selectEndpoint(t.catalog, 'evs', { region: 'RegionOne' })).toThrow(EndpointNotFoundError);
  });

  it('reads a domain-scoped token: no project', () => {
    const t = parseToken(body('gophercloud/identity/token-domain.json'));
    expect(t).toMatchObject({ expiresAt: Date.parse('2019-09-18T23:12:32Z'), projectId: null, projectName: null });
    expect(t.catalog.map((s) => s.type)).toEqual(['compute', 'identity']);
  });

  it('reads a token body with nothing but expires_at: an empty catalog', () => {
    expect(parseToken(body('gophercloud/identity/token-minimal.json'))).toEqual({
      expiresAt: Date.parse('2014-10-02T13:45:00Z'),
      issuedAt: null,
      projectId: null,
      projectName: null,
      userId: null,
      userName: null,
      catalog: [],
    });
  });
});
