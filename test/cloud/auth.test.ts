// Keystone token lifecycle (lazy, cached, refreshed before expiry single-flight, replaced after a 401) and
// AK/SK signing on the wire.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudClient, type CloudClient } from '../../src/cloud/client';
import { loadCloudConfig } from '../../src/cloud/config';
import { classify, CloudError } from '../../src/cloud/errors';
import { sign } from '../../src/cloud/signer';
import { clientFor, FakeCloud, fixture, PROJECT, send, type Recorded } from './fake-cloud';

let cloud: FakeCloud;
let client: CloudClient | undefined;

beforeEach(async () => {
  cloud = await FakeCloud.start();
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await cloud.close();
});

const volumePath = (id: string) => `/evs/v2/${PROJECT}/volumes/${id}`;
const serveVolumes = () =>
  cloud.on('GET', /\/evs\/v2\/.*\/volumes\/.*/, (_r, res) => send(res, 200, { volume: fixture('evs/volume-data-disk.json') }));
const tokensUsed = () => cloud.serviceRequests().map((r) => String(r.headers['x-auth-token']).split('-').slice(0, 2).join('-'));

describe('Keystone token', () => {
  it('concurrent first calls share one token request', async () => {
    serveVolumes();
    cloud.tokenDelayMs = 50;
    client = clientFor(cloud);
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => client!.evs.getVolume(id)));
    expect(cloud.tokensIssued).toBe(1);
    expect(tokensUsed()).toEqual(['tok-1', 'tok-1', 'tok-1', 'tok-1']);
  });

  it('a 401 from a service re-authenticates once and replays once', async () => {
    serveVolumes();
    client = clientFor(cloud);
    await client.evs.getVolume('a');
    cloud.validTokens.clear(); // the cloud forgets tok-1 (e.g. password changed)
    await expect(client.evs.getVolume('b')).resolves.toMatchObject({ status: 'in-use' });
    expect(cloud.tokensIssued).toBe(2);
    expect(tokensUsed()).toEqual(['tok-1', 'tok-1', 'tok-2']);
    expect(client.callCounts()).toEqual({ 'keystone.token': 2, 'evs.getVolume': 3 });
  });

  it('concurrent 401s for the same token lead to one new token', async () => {
    serveVolumes();
    cloud.tokenDelayMs = 30;
    client = clientFor(cloud);
    await client.projectId();
    cloud.validTokens.clear();
    await Promise.all(['a', 'b', 'c'].map((id) => client!.evs.getVolume(id)));
    expect(cloud.tokensIssued).toBe(2);
  });

  it('a second 401 after the replay is an auth CloudError (no loop)', async () => {
    cloud.on(
      'GET',
      volumePath('a'),
      (_r, res) =>
        send(res, 401, {
          error_msg: 'Incorrect IAM authentication information: token expires',
          error_code: 'APIGW.0301',
          request_id: 'r1',
        }),
      true,
    );
    client = clientFor(cloud);
    const err = await client.evs.getVolume('a').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, code: 'APIGW.0301', requestId: 'r1', op: 'evs.getVolume' });
    expect(classify(err)).toEqual({ kind: 'auth', retryable: false });
    expect(cloud.tokensIssued).toBe(2);
    expect(client.callCounts()['evs.getVolume']).toBe(2);
  });

  it('EVS "invalid token" with HTTP 400 (Common.0013, §3.6) also re-authenticates', async () => {
    let n = 0;
    cloud.on('GET', volumePath('a'), (_r, res) =>
      n++ === 0
        ? send(res, 400, { badRequest: { message: 'Invalid token in the header.', code: 'Common.0013' } })
        : send(res, 200, { volume: fixture('evs/volume-data-disk.json') }),
    );
    client = clientFor(cloud);
    await expect(client.evs.getVolume('a')).resolves.toBeDefined();
    expect(cloud.tokensIssued).toBe(2);
  });

  it('a refused password is a Keystone CloudError, not replayed', async () => {
    cloud.on('POST', '/identity/v3/auth/tokens', (_r, res) => send(res, 401, fixture('keystone/error-401.json')), true);
    client = clientFor(cloud);
    const err = await client.evs.getVolume('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({ service: 'keystone', op: 'keystone.token', status: 401, code: '401', path: '/identity/v3/auth/tokens' });
    expect((err as Error).message).toBe('Keystone token 401: The request you have made requires authentication.');
    expect(cloud.tokenRequests()).toHaveLength(1);
    expect(cloud.serviceRequests()).toHaveLength(0);
  });

  it('a token response without X-Subject-Token is an InvalidResponse', async () => {
    cloud.on('POST', '/identity/v3/auth/tokens', (_r, res) => send(res, 201, fixture('keystone/token-otc.json')), true);
    client = clientFor(cloud);
    await expect(client.projectId()).rejects.toMatchObject({ code: 'InvalidResponse', op: 'keystone.token' });
  });

  it('refreshes before expiry (margin = min(10 min, 10% of the lifetime)), single-flight', async () => {
    serveVolumes();
    cloud.tokenTtlMs = 1000;
    cloud.tokenDelayMs = 30;
    let offset = 0;
    client = clientFor(cloud, { now: () => Date.now() + offset });
    await client.evs.getVolume('a');
    offset = 500; // well before the 900 ms refresh point
    await client.evs.getVolume('b');
    expect(cloud.tokensIssued).toBe(1);
    offset = 950; // inside the 100 ms margin
    await Promise.all(['c', 'd', 'e', 'f', 'g'].map((id) => client!.evs.getVolume(id)));
    expect(cloud.tokensIssued).toBe(2);
    expect(tokensUsed()).toEqual(['tok-1', 'tok-1', 'tok-2', 'tok-2', 'tok-2', 'tok-2', 'tok-2']);
  });

  it('uses the catalog endpoint of the configured interface and region; overrides win', async () => {
    cloud.on('GET', `/custom/evs/v2/${PROJECT}/volumes/a`, (_r, res) => send(res, 200, { volume: fixture('evs/volume-data-disk.json') }));
    client = clientFor(cloud, {}, { OS_ENDPOINT_OVERRIDE_EVS: `${cloud.url}/custom/evs/v2/{project_id}` });
    await client.evs.getVolume('a');
    expect(cloud.serviceRequests()[0].path).toBe(`/custom/evs/v2/${PROJECT}/volumes/a`);
  });
});

describe('AK/SK signing (§2.2)', () => {
  const AK = 'QTWAOYTTINDUT2QVKYUC';
  const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';

  function verify(r: Recorded): boolean {
    const m = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(String(r.headers.authorization));
    if (!m || m[1] !== AK) return false;
    const names = m[2].split(';');
    const headers = Object.fromEntries(names.map((n) => [n, String(r.headers[n])]));
    const s = sign(
      { method: r.method, url: `http://${String(r.headers.host)}${r.url}`, headers, body: r.body },
      { ak: AK, sk: SK, signedHeaders: names },
    );
    return s.signature === m[3];
  }

  function akskClient() {
    const cfg = loadCloudConfig({
      env: {
        OS_ACCESS_KEY: AK,
        OS_SECRET_KEY: SK,
        OS_PROJECT_ID: PROJECT,
        OS_REGION_NAME: 'eu-de',
        OS_ENDPOINT_TEMPLATE: `${cloud.url}/{service}`,
      },
    });
    client = createCloudClient(cfg, { rateLimit: false, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
    return client;
  }

  it('signs every request (no token, no catalog) and the server can verify it', async () => {
    const ok = (r: Recorded) =>
      verify(r) && r.headers['x-project-id'] === PROJECT && /^\d{8}T\d{6}Z$/.test(String(r.headers['x-sdk-date']));
    cloud.on(
      'GET',
      volumePath('a%20b'),
      (r, res) => (ok(r) ? send(res, 200, { volume: fixture('evs/volume-data-disk.json') }) : send(res, 401, {})),
      true,
    );
    cloud.on(
      'POST',
      `/ecs/v1/${PROJECT}/cloudservers/action`,
      (r, res) => (ok(r) ? send(res, 200, { job_id: 'j' }) : send(res, 401, {})),
      true,
    );
    cloud.on('GET', '/ims/v2/images', (r, res) => (ok(r) ? send(res, 200, { images: [] }) : send(res, 401, {})), true);
    const c = akskClient();
    await c.evs.getVolume('a b');
    expect(await c.ecs.stopServers(['s'], 'SOFT')).toBe('j');
    expect(await c.ims.findImages({ name: 'with space', owner: PROJECT })).toEqual([]);
    expect(await c.projectId()).toBe(PROJECT);
    expect(cloud.tokenRequests()).toHaveLength(0);
    for (const r of cloud.requests) {
      expect(r.headers['x-auth-token']).toBeUndefined();
      expect(String(r.headers.authorization)).toMatch(/SignedHeaders=(content-type;)?host;x-project-id;x-sdk-date,/);
    }
  });

  it('a refused signature is not replayed', async () => {
    cloud.on('GET', volumePath('a'), (_r, res) => send(res, 401, fixture('apig/error-apigw-0301.json')), true);
    const c = akskClient();
    await expect(c.evs.getVolume('a')).rejects.toMatchObject({ status: 401, code: 'APIGW.0301' });
    expect(cloud.requests).toHaveLength(1);
  });
});

describe('token request retries', () => {
  it('a 503 from Keystone is retried (a token request is safe to repeat)', async () => {
    let n = 0;
    cloud.on('POST', '/identity/v3/auth/tokens', (r, res) => (n++ === 0 ? send(res, 503, 'busy') : cloud.issueToken(r, res)), true);
    client = clientFor(cloud);
    await expect(client.projectId()).resolves.toBe(PROJECT);
    expect(client.callCounts()['keystone.token']).toBe(2);
  });
});
