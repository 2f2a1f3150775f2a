// Recorded bodies from cloud-api.md (test/fixtures/<service>/*.json) through the results parsers.
import { describe, expect, it } from 'vitest';
import { ResponseFormatError } from '../../src/cloud/errors';
import { parseJob, parseJobId, parseServer } from '../../src/cloud/ecs/results';
import { parseUploadImage, parseVolume, parseSnapshot, parseSnapshotList } from '../../src/cloud/evs/results';
import { parseImage, parseImagePage } from '../../src/cloud/ims/results';
import { parseToken } from '../../src/cloud/keystone/results';
import { selectEndpoint } from '../../src/cloud/catalog';
import { fixture } from './fake-cloud';

describe('EVS volume detail (§3.1, §3.7)', () => {
  it('parses the in-use bootable system disk (bootable as a string)', () => {
    const v = parseVolume({ volume: fixture('evs/volume-system-disk.json') });
    expect(v).toEqual({
      id: '7fa6b592-ac75-460d-a28a-bb17429d1eb2',
      name: 'resource1',
      status: 'in-use',
      size: 40,
      multiattach: false,
      bootable: true,
      attachments: [
        {
          serverId: '2080869e-ba46-4ea5-b45e-3191ac0f1d54',
          attachmentId: '1335f039-7a42-4d1e-be49-ac584db0ba0b',
          device: '/dev/vda',
          attachedAt: '2019-08-06T07:00:21.842812Z',
          hostName: null,
        },
      ],
      volumeImageMetadata: expect.objectContaining({
        __os_type: 'Linux',
        image_id: 'c6c153a6-dde8-4bac-8e40-3d7619436934',
        min_disk: '20',
      }),
      metadata: {},
      availabilityZone: 'kvmxen.dc1',
      volumeType: 'SSD',
      updatedAt: '2019-08-09T06:19:35.874737Z',
    });
  });

  it('parses the in-use data disk and its string metadata', () => {
    const v = parseVolume({ volume: fixture('evs/volume-data-disk.json') });
    expect(v.bootable).toBe(false);
    expect(v.status).toBe('in-use');
    expect(v.attachments.map((a) => [a.serverId, a.device])).toEqual([['c3d3250c-7ce5-42cc-b620-dd2b63d19ca5', '/dev/sdf']]);
    expect(v.metadata).toEqual({
      policy: 'dc71a9c9-b3fa-429d-a070-037682d82d21',
      attached_mode: 'rw',
      readonly: 'False',
      'hw:passthrough': 'false',
    });
    expect(v.volumeImageMetadata).toBeNull();
    expect(v.updatedAt).toBeNull();
  });

  it('parses the shared, unattached disk', () => {
    const v = parseVolume(fixture('evs/volume-shared-unattached.json'));
    expect(v).toMatchObject({
      id: '591ac654-26d8-41be-bb77-4f90699d2d41',
      multiattach: true,
      attachments: [],
      status: 'error_restoring',
      volumeType: null,
      size: 40,
    });
  });

  it('parses the vanilla Cinder v3 volume (available although attached: a fixture quirk)', () => {
    const v = parseVolume(fixture('evs/volume-cinder-v3.json'));
    expect(v).toMatchObject({
      id: 'd32019d3-bc6e-4319-9c1d-6722fc136a22',
      status: 'available',
      bootable: false,
      size: 75,
      volumeType: 'lvmdriver-1',
      availabilityZone: 'nova',
    });
    expect(v.attachments[0]).toEqual({
      serverId: '83ec2e3b-4321-422b-8706-a84185f52a0a',
      attachmentId: '05551600-a936-4d4a-ba42-79a037c1-c91a',
      device: '/dev/vdc',
      attachedAt: '2016-08-06T14:48:20.000000Z',
      hostName: 'foobar',
    });
  });

  it('tolerates shareable as a string and multiattach missing', () => {
    expect(parseVolume({ volume: { id: 'v', status: 'available', shareable: 'true', bootable: 'false' } }).multiattach).toBe(true);
    expect(parseVolume({ volume: { id: 'v', status: 'available', multiattach: 'false', shareable: true } }).multiattach).toBe(false);
  });

  it('refuses a body without the volume', () => {
    expect(() => parseVolume({ volumes: [] })).toThrow(ResponseFormatError);
    expect(() => parseVolume({ volume: { status: 'available' } })).toThrow(/volume\.id/);
  });
});

describe('EVS upload responses (§3.3, §6)', () => {
  it('parses the OTC doc example (volume_type object with description "None")', () => {
    expect(parseUploadImage(fixture('evs/upload-response-otc.json'))).toEqual({
      volumeId: '16369c5d-384d-4e64-b37a-56d898769362',
      imageId: 'c5333daa-fbc8-4d1d-bf79-b0567bb45d15',
      imageName: 'evs-ims-test1027',
      status: 'uploading',
      size: 40,
      diskFormat: 'vhd',
      containerFormat: 'bare',
    });
  });

  it('parses the gophertelekomcloud fixture', () => {
    expect(parseUploadImage(fixture('evs/upload-response-gtc.json'))).toEqual({
      volumeId: 'cd281d77-8217-4830-be95-9528227c105c',
      imageId: 'ecb92d98-de08-45db-8235-bbafe317269c',
      imageName: 'test',
      status: 'uploading',
      size: 5,
      diskFormat: 'raw',
      containerFormat: 'bare',
    });
  });

  it('parses the vanilla Cinder sample', () => {
    expect(parseUploadImage(fixture('evs/upload-response-cinder.json'))).toMatchObject({
      volumeId: '3a81fdac-e8ae-4e61-b6a2-2e14ff316f19',
      imageId: 'de75b74e-7f0d-4b59-a263-bd87bfc313bd',
      size: 1,
      diskFormat: 'raw',
    });
  });
});

describe('ECS (§4.1, §4.3, §4.4)', () => {
  it('parses the server detail', () => {
    expect(parseServer(fixture('ecs/server-detail.json'))).toEqual({
      id: '4f4b3dfa-eb70-47cf-a60a-998a53bd598a',
      name: 'ecs-2ecf',
      status: 'ACTIVE',
      vmState: 'active',
      taskState: null,
      powerState: 1,
      locked: false,
      imageId: 'c71b64e7-4767-4406-afde-2c7c7ac2242c',
      fault: null,
      volumesAttached: [{ id: '80c15cff-2473-4982-a816-d760cad6c42c', device: '/dev/vda', bootIndex: '0' }],
    });
  });

  it('reads a stop in progress (ACTIVE + powering-off) and a fault', () => {
    const s = parseServer({
      server: {
        id: 's',
        status: 'ACTIVE',
        'OS-EXT-STS:task_state': 'powering-off',
        'OS-EXT-STS:power_state': 1,
        locked: true,
        fault: { message: 'boom', code: 500 },
      },
    });
    expect(s).toMatchObject({ taskState: 'powering-off', locked: true, fault: { message: 'boom', code: 500 } });
  });

  it('parses the job with its sub-jobs', () => {
    expect(parseJob(fixture('ecs/job-success.json'))).toEqual({
      jobId: '2c9eb2c5544cbf6101544f0602af2b4f',
      status: 'SUCCESS',
      jobType: 'createServer',
      beginTime: '2016-04-25T20:04:34.604Z',
      endTime: '2016-04-25T20:08:41.593Z',
      errorCode: null,
      failReason: null,
      subJobs: [
        {
          jobId: '2c9eb2c5544cbf6101544f0635672b60',
          status: 'SUCCESS',
          jobType: 'createSingleServer',
          serverId: 'bae51750-0089-41a1-9b18-5c777978ff6d',
          errorCode: null,
          failReason: null,
        },
      ],
    });
  });

  it('reads an empty end_time as null and a failed sub-job code from errorcode_message', () => {
    const j = parseJob({
      job_id: 'j',
      status: 'FAIL',
      end_time: '',
      error_code: 'Ecs.0100',
      fail_reason: 'nope',
      entities: { sub_jobs: [{ job_id: 's', status: 'FAIL', entities: { server_id: 'x', errorcode_message: 'Ecs.0605' } }] },
    });
    expect(j).toMatchObject({
      status: 'FAIL',
      endTime: null,
      errorCode: 'Ecs.0100',
      subJobs: [{ serverId: 'x', errorCode: 'Ecs.0605', status: 'FAIL' }],
    });
  });

  it('parses the batch action job id', () => {
    expect(parseJobId({ job_id: 'ff808082889bd9690189061140c235fe' })).toBe('ff808082889bd9690189061140c235fe');
    expect(() => parseJobId({})).toThrow(ResponseFormatError);
  });
});

describe('IMS (§5.1, §5.2)', () => {
  it('parses the OTC image', () => {
    expect(parseImage(fixture('ims/image-otc.json'))).toEqual({
      id: 'bc6bed6e-ba3a-4447-afcc-449174a3eb52',
      name: 'CentOS 7.3 64bit vivado',
      status: 'active',
      owner: '1bed856811654c1cb661a6ca845ebc77',
      visibility: 'public',
      tags: [],
      diskFormat: 'zvhd2',
      containerFormat: 'bare',
      minDisk: 100,
      createdAt: '2018-09-06T14:03:27Z',
      updatedAt: '2018-09-06T15:17:33Z',
      dataOrigin: null,
      protected: true,
    });
  });

  it('parses the vanilla Glance image', () => {
    expect(parseImage(fixture('ims/image-glance.json'))).toMatchObject({
      id: '1bea47ed-f6a9-463b-b423-14b9cca9ad27',
      name: 'cirros-0.3.2-x86_64-disk',
      status: 'active',
      owner: '5ef70662f8b34079a6eddb8da9d75fe8',
      diskFormat: 'qcow2',
      minDisk: 0,
    });
  });

  it('parses a list page with and without next', () => {
    const img = fixture('ims/image-glance.json');
    expect(parseImagePage({ images: [img], next: '/v2/images?marker=x', first: '/v2/images' })).toMatchObject({
      images: [{ id: '1bea47ed-f6a9-463b-b423-14b9cca9ad27' }],
      next: '/v2/images?marker=x',
    });
    expect(parseImagePage({ images: [] }).next).toBeNull();
    expect(() => parseImagePage({ image: [] })).toThrow(ResponseFormatError);
  });
});

describe('Keystone token (§2.1)', () => {
  it('parses the recorded OTC token with its catalog', () => {
    const t = parseToken(fixture('keystone/token-otc.json'));
    expect(t.projectId).toBe('0391e4486e864c26be5654c522f440f2');
    expect(t.projectName).toBe('eu-de_profi9');
    expect(t.expiresAt).toBe(Date.parse('2219-05-24T15:11:11.815Z'));
    expect(t.issuedAt).toBe(Date.parse('2019-05-23T15:11:11.815Z'));
    expect(t.catalog.map((s) => s.type)).toEqual(['ecs', 'image', 'compute', 'volumev2']);
    expect(selectEndpoint(t.catalog, 'evs', { region: 'eu-de' })).toBe(
      'https://evs.eu-de.otc.t-systems.com/v2/0391e4486e864c26be5654c522f440f2',
    );
    expect(selectEndpoint(t.catalog, 'ecs')).toBe('https://ecs.eu-de.otc.t-systems.com/v1/0391e4486e864c26be5654c522f440f2');
    expect(selectEndpoint(t.catalog, 'ims')).toBe('https://ims.eu-de.otc.t-systems.com');
  });
});

describe('EVS snapshots (§3.8)', () => {
  it('reads a snapshot and a list of them', () => {
    const snap = {
      id: 's1',
      name: 'evs-export-r1',
      status: 'creating',
      size: 40,
      volume_id: 'v1',
      metadata: { evs_export_run: 'w/r' },
      created_at: '2026-12-02T10:00:00.000000',
      updated_at: null,
      'os-extended-snapshot-attributes:progress': '0%',
    };
    expect(parseSnapshot({ snapshot: snap })).toEqual({
      id: 's1',
      name: 'evs-export-r1',
      status: 'creating',
      size: 40,
      volumeId: 'v1',
      metadata: { evs_export_run: 'w/r' },
      createdAt: '2026-12-02T10:00:00.000000Z',
      updatedAt: null,
    });
    expect(parseSnapshotList({ snapshots: [snap, { ...snap, id: 's2' }] }).map((x) => x.id)).toEqual(['s1', 's2']);
    expect(() => parseSnapshot({ snapshot: { name: 'no id' } })).toThrow(/snapshot.id/);
  });
});
