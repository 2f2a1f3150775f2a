// Wire bodies built from typed options, compared with the recorded requests of cloud-api.md.
import { describe, expect, it } from 'vitest';
import type { PasswordAuthConfig } from '../../src/cloud/config';
import { Secret } from '../../src/cloud/config';
import { toStartBody, toStopBody } from '../../src/cloud/ecs/requests';
import { toCreateSnapshotBody, toCreateVolumeBody, toUploadImageBody } from '../../src/cloud/evs/requests';
import { toListQuery } from '../../src/cloud/ims/requests';
import { nextPageURL } from '../../src/cloud/ims/urls';
import { toTokenRequest } from '../../src/cloud/keystone/requests';
import { identityBase, tokensURL } from '../../src/cloud/keystone/urls';
import { actionURL, joinURL, withQuery } from '../../src/cloud/urls';
import { fixture } from './fake-cloud';

describe('EVS os-volume_upload_image (§3.3)', () => {
  it('builds the OTC doc request', () => {
    const body = toUploadImageBody({ imageName: 'sxmatch2', force: true, containerFormat: 'bare', diskFormat: 'vhd', osType: 'linux' });
    expect(body).toEqual(fixture('evs/upload-request-otc.json'));
  });

  it('builds the gophertelekomcloud request', () => {
    expect(toUploadImageBody({ imageName: 'test', force: true, containerFormat: 'bare', diskFormat: 'raw' })).toEqual(
      fixture('evs/upload-request-gtc.json'),
    );
  });

  it('always sends force, omits unset optional fields', () => {
    expect(JSON.stringify(toUploadImageBody({ imageName: 'n', force: false }))).toBe(
      '{"os-volume_upload_image":{"image_name":"n","force":false}}',
    );
  });

  it('refuses a missing name or force', () => {
    expect(() => toUploadImageBody({ imageName: '', force: true })).toThrow(/imageName/);
    expect(() => toUploadImageBody({ imageName: 'n' } as never)).toThrow(/force/);
  });
});

describe('ECS batch stop/start (§4.3)', () => {
  it('builds the doc stop request', () => {
    expect(toStopBody(['616fb98f-46ca-475e-917e-2563e5a8cd19', '726fb98f-46ca-475e-917e-2563e5a8cd20'], 'HARD')).toEqual(
      fixture('ecs/stop-request-hard.json'),
    );
  });

  it('builds start, de-duplicates ids, refuses empty lists and bad types', () => {
    expect(toStartBody(['a', 'b', 'a'])).toEqual({ 'os-start': { servers: [{ id: 'a' }, { id: 'b' }] } });
    expect(() => toStartBody([])).toThrow(/at least one/);
    expect(() => toStopBody(['a'], 'soft' as never)).toThrow(/type must be one of SOFT, HARD/);
  });
});

describe('Keystone (§2.1)', () => {
  const base: PasswordAuthConfig = {
    type: 'password',
    authUrl: 'https://iam/v3',
    username: 'USER',
    password: new Secret('PASSWORD'),
    userDomainName: 'DOMAIN',
    projectName: 'eu-de',
  };

  it('builds the password request scoped by project name (with its domain)', () => {
    expect(toTokenRequest(base)).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'USER', domain: { name: 'DOMAIN' }, password: 'PASSWORD' } } },
        scope: { project: { name: 'eu-de' } },
      },
    });
    expect(toTokenRequest({ ...base, projectDomainName: 'DOMAIN' }).auth).toMatchObject({
      scope: { project: { name: 'eu-de', domain: { name: 'DOMAIN' } } },
    });
  });

  it('matches the shape of the documented request', () => {
    const doc = fixture<{ auth: unknown }>('keystone/token-request-by-name.json');
    expect(toTokenRequest(base)).toEqual(doc);
  });

  it('scopes by project id and user id when given', () => {
    expect(toTokenRequest({ ...base, userId: 'uid', projectId: 'pid' })).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { id: 'uid', password: 'PASSWORD' } } },
        scope: { project: { id: 'pid' } },
      },
    });
  });

  it('normalises auth_url with or without /v3', () => {
    expect(tokensURL('https://iam.eu-de.otc.t-systems.com/v3')).toBe('https://iam.eu-de.otc.t-systems.com/v3/auth/tokens');
    expect(tokensURL('https://iam.eu-de.otc.t-systems.com/v3/')).toBe('https://iam.eu-de.otc.t-systems.com/v3/auth/tokens');
    expect(tokensURL('https://keystone.example.com:5000')).toBe('https://keystone.example.com:5000/v3/auth/tokens');
    expect(identityBase('https://k/identity')).toBe('https://k/identity/v3');
  });
});

describe('URLs', () => {
  it('encodes path segments and queries', () => {
    expect(joinURL('https://h/ims/', 'v2', 'images', 'a/b c')).toBe('https://h/ims/v2/images/a%2Fb%20c');
    expect(actionURL('https://h/v2/p', 'volumes', 'v1')).toBe('https://h/v2/p/volumes/v1/action');
    expect(withQuery('https://h/v2/images', { name: 'my image+1', owner: undefined, limit: 5 })).toBe(
      'https://h/v2/images?name=my%20image%2B1&limit=5',
    );
    expect(() => joinURL('https://h', 'volumes', '')).toThrow(TypeError);
    expect(() => joinURL('https://h', 'volumes', '..')).toThrow(TypeError);
  });

  it('builds the image list query and resolves next links against the endpoint root (§5.2)', () => {
    expect(toListQuery({ name: 'img', owner: 'p' })).toEqual({ name: 'img', owner: 'p', limit: 100 });
    expect(toListQuery({ name: 'in:x' }).name).toBe('in:"in:x"');
    expect(nextPageURL('https://ims.example.com', '/v2/images?marker=m')).toBe('https://ims.example.com/v2/images?marker=m');
    expect(nextPageURL('http://127.0.0.1:1/ims', '/v2/images?marker=m')).toBe('http://127.0.0.1:1/ims/v2/images?marker=m');
    expect(nextPageURL('https://ims.example.com', 'https://ims.example.com/v2/images?marker=m')).toBe(
      'https://ims.example.com/v2/images?marker=m',
    );
    expect(() => nextPageURL('https://ims.example.com', 'https://evil.example.com/v2/images')).toThrow(/another origin/);
  });
});

describe('EVS snapshot and disk create (§3.8)', () => {
  it('builds a snapshot request with force, name and the run in the metadata', () => {
    expect(toCreateSnapshotBody({ volumeId: 'v1', name: 'evs-export-r1', force: true, metadata: { evs_export_run: 'w/r' } })).toEqual({
      snapshot: { volume_id: 'v1', name: 'evs-export-r1', force: true, metadata: { evs_export_run: 'w/r' } },
    });
  });

  it("builds a disk from a snapshot in the source disk's zone and type, omitting what is unknown", () => {
    expect(
      toCreateVolumeBody({ name: 'evs-export-r1', sizeGb: 40, snapshotId: 's1', availabilityZone: 'eu-de-01', volumeType: 'SSD' }),
    ).toEqual({ volume: { name: 'evs-export-r1', size: 40, snapshot_id: 's1', availability_zone: 'eu-de-01', volume_type: 'SSD' } });
    expect(toCreateVolumeBody({ name: 'n', sizeGb: 1, availabilityZone: null, volumeType: null })).toEqual({
      volume: { name: 'n', size: 1 },
    });
  });

  it('refuses a create without a name or with a bad size', () => {
    expect(() => toCreateSnapshotBody({ volumeId: 'v', name: '', force: false })).toThrow(/name is required/);
    expect(() => toCreateVolumeBody({ name: 'n', sizeGb: 0 })).toThrow(/sizeGb/);
  });
});
