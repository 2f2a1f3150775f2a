// The simulator's API gateway checks AK/SK signatures (cloud-api.md §2.2, src/sim/apig/): the published vectors
// verify with its own canonical request; over HTTP a signed call is served without a token, and a wrong secret,
// an unknown AK, a date outside the 15-minute window, anything changed after signing or a missing X-Project-Id is
// refused with the gateway's 401 APIGW.0301 body — before the service acts. Requests are signed with the client's
// signer (src/cloud/signer.ts), an independent implementation: each checks the other.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudError, classify, createCloudClient, loadCloudConfig } from '../../src/cloud';
import { sdkDate, sign } from '../../src/cloud/signer';
import { createSim, ManualClock, type SimServer } from '../../src/sim';
import { canonicalQuery, canonicalRequest, signature, stringToSign, type WireRequest } from '../../src/sim/apig/signature';
import { MAX_CLOCK_SKEW_MS, verifyAkSk } from '../../src/sim/apig/verify';
import { SimError } from '../../src/sim/errors';
import { type Json, type Res, useSim } from './helpers';
import { SIGNING_GUIDE } from '../fixtures/apig/signing-guide';

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'apig', 'error-apigw-0301.json'), 'utf8')) as Json;

const MIN = 60_000;

// ---------------------------------------------------------------------------------------------------------
// The verifier on its own, against the vectors of cloud-api.md §2.2.

const GUIDE = {
  ak: 'QTWAOYTTINDUT2QVKYUC',
  sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
  date: '20191115T033655Z',
  at: Date.UTC(2019, 10, 15, 3, 36, 55),
  request: (over: Partial<WireRequest> = {}, headers: Record<string, string> = {}): WireRequest => ({
    method: 'GET',
    target: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
    body: new Uint8Array(),
    ...over,
    headers: {
      'content-type': 'application/json',
      host: 'service.region.example.com',
      'x-sdk-date': '20191115T033655Z',
      authorization:
        'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
      // Not signed (not in SignedHeaders): the vector has none; the gateway needs one for a project-level service.
      'x-project-id': '77b6a44cba5143ab91d13ab9a8ff44fd',
      ...headers,
    },
  }),
};

const GO = {
  at: Date.UTC(2006, 0, 2, 15, 4, 5),
  request: (method: string, target: string, signatureHex: string, body = '', headers: Record<string, string> = {}): WireRequest => ({
    method,
    target,
    body: Buffer.from(body),
    headers: {
      host: 'example.huaweicloud.com',
      'x-sdk-date': '20060102T150405Z',
      test_underscore: 'TEST_VALUE',
      authorization: `SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=${signatureHex}`,
      'x-project-id': 'p',
      ...headers,
    },
  }),
};

const creds = (ak: string, sk: string, projectIds = ['77b6a44cba5143ab91d13ab9a8ff44fd', 'p']) => ({
  secretKeyOf: (k: string) => (k === ak ? sk : undefined),
  projectIds,
});

/** The refusal verifyAkSk throws, as status and body. */
function refusal(fn: () => unknown): { status: number; body: Json } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SimError);
    return { status: (err as SimError).status, body: (err as SimError).body };
  }
  throw new Error('expected a refusal');
}

describe('the gateway verifier against the published vectors (cloud-api.md §2.2)', () => {
  it('the signing guide example: its canonical request, hash and signature, and the request verifies', () => {
    const req = GUIDE.request();
    const cr = canonicalRequest(req, ['content-type', 'host', 'x-sdk-date']);
    expect(cr).toBe(SIGNING_GUIDE.canonicalRequest);
    const sts = stringToSign(GUIDE.date, cr);
    expect(sts).toBe(SIGNING_GUIDE.stringToSign);
    expect(signature(GUIDE.sk, sts)).toBe(SIGNING_GUIDE.signature);
    expect(verifyAkSk(req, creds(GUIDE.ak, GUIDE.sk), GUIDE.at, 'r')).toEqual({
      accessKey: GUIDE.ak,
      projectId: '77b6a44cba5143ab91d13ab9a8ff44fd',
    });
  });

  it('the Huawei Go SDK vectors: GET with only x-sdk-date signed, POST with a trailing-newline body', () => {
    const get = GO.request('GET', '/path?limit=1', '5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
    expect(canonicalRequest(get, ['x-sdk-date'])).toBe(
      'GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(verifyAkSk(get, creds('AccessKey', 'SecretKey'), GO.at, 'r')).toMatchObject({ accessKey: 'AccessKey' });

    const post = GO.request(
      'POST',
      '/path?key=value',
      'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
      '{"Name":"test","Id":1}\n',
      { 'content-type': 'application/json' },
    );
    expect(canonicalRequest(post, ['x-sdk-date']).split('\n').at(-1)).toBe(
      'a29d7b4c5efd1a22011d69fd7b7aee76fe51e4083c609244228de258afd61289',
    );
    expect(verifyAkSk(post, creds('AccessKey', 'SecretKey'), GO.at, 'r')).toMatchObject({ accessKey: 'AccessKey' });
  });

  it('the same vectors are refused with a wrong secret, outside the window, or changed in any signed part', () => {
    const sk = GUIDE.sk;
    const fail = (req: WireRequest, at = GUIDE.at, secret = sk) => refusal(() => verifyAkSk(req, creds(GUIDE.ak, secret), at, 'r'));
    const signFail = { status: 401, body: { error_code: 'APIGW.0301', error_msg: expect.stringContaining('verify aksk signature fail') } };
    expect(fail(GUIDE.request(), GUIDE.at, `${sk}x`)).toMatchObject(signFail);
    expect(fail(GUIDE.request(), GUIDE.at + MAX_CLOCK_SKEW_MS + 1000)).toMatchObject(signFail);
    expect(fail(GUIDE.request(), GUIDE.at - MAX_CLOCK_SKEW_MS - 1000)).toMatchObject(signFail);
    // Inside the window it still verifies.
    expect(() => verifyAkSk(GUIDE.request(), creds(GUIDE.ak, sk), GUIDE.at + MAX_CLOCK_SKEW_MS - 1000, 'r')).not.toThrow();
    expect(
      fail(GUIDE.request({ target: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=3&marker=13551d6b-755d-4757-b956-536f674975c0' })),
    ).toMatchObject(signFail);
    expect(
      fail(GUIDE.request({ target: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/subnets?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0' })),
    ).toMatchObject(signFail);
    expect(fail(GUIDE.request({ method: 'DELETE' }))).toMatchObject(signFail);
    expect(fail(GUIDE.request({ body: Buffer.from('{}') }))).toMatchObject(signFail);
    expect(fail(GUIDE.request({}, { host: 'other.region.example.com' }))).toMatchObject(signFail);
    // A header that is not signed may change: the signature does not cover it.
    expect(() => verifyAkSk(GUIDE.request({}, { 'user-agent': 'x' }), creds(GUIDE.ak, sk), GUIDE.at, 'r')).not.toThrow();
  });

  it('sorts the query as the SDKs do: by key, then value, before encoding; spaces as %20', () => {
    expect(canonicalQuery('b=2&a=z&a=y&name=my+image&x=%21')).toBe('a=y&a=z&b=2&name=my%20image&x=%21');
    // `é` (C3 A9) sorts after `z` as bytes; encoded (`%C3%A9`) it would sort first.
    expect(canonicalQuery('tag=%C3%A9&tag=zeta')).toBe('tag=zeta&tag=%C3%A9');
    expect(canonicalQuery('')).toBe('');
    expect(canonicalQuery('flag&k=')).toBe('flag=&k=');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Over HTTP.

interface SignOpts {
  ak?: string;
  sk?: string;
  /** X-Sdk-Date (ms); default now. */
  at?: number;
  /** Headers left out before signing (e.g. X-Project-Id). */
  omit?: string[];
  /** Extra headers, signed. */
  headers?: Record<string, string>;
}

/** Headers of a request signed by the client's signer: Host, X-Sdk-Date, X-Project-Id (+ Content-Type) signed. */
function signedHeaders(s: SimServer, method: string, path: string, body: string | undefined, o: SignOpts = {}): Record<string, string> {
  const a = s.sim.account;
  const url = new URL(path, s.url);
  const headers: Record<string, string> = {
    Host: url.host,
    'X-Sdk-Date': sdkDate(new Date(o.at ?? Date.now())),
    'X-Project-Id': a.projectId,
    ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...o.headers,
  };
  for (const h of o.omit ?? []) delete headers[h];
  const { authorization } = sign({ method, url, headers, body }, { ak: o.ak ?? a.accessKey, sk: o.sk ?? a.secretKey });
  return { ...headers, Authorization: authorization };
}

/** Sends with exactly these headers (fetch sets Host itself, to the same value) and no token. */
async function send(s: SimServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Res> {
  const h = { Accept: 'application/json', ...headers };
  delete (h as Record<string, string>).Host;
  const r = await fetch(`${s.url}${path}`, { method, headers: h, body });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? (JSON.parse(text) as Json) : undefined };
}

/** Signs and sends; `body` is JSON-encoded. */
function signed(s: SimServer, method: string, path: string, body?: unknown, o: SignOpts = {}): Promise<Res> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return send(s, method, path, signedHeaders(s, method, path, text, o), text);
}

/** The gateway's refusal: 401, the fixture's fields and code, the message, this response's request id. */
function expectApig0301(r: Res, message: string | RegExp): void {
  expect(r.status).toBe(401);
  expect(Object.keys(r.body as object).sort()).toEqual(Object.keys(fixture as object).sort());
  expect(r.body.error_code).toBe(fixture.error_code);
  expect(r.body.error_msg).toMatch(/^Incorrect IAM authentication information: /);
  expect(r.body.error_msg).toMatch(message);
  expect(r.body.request_id).toBe(r.headers.get('x-request-id'));
}

const SIGN_FAIL = /^Incorrect IAM authentication information: verify aksk signature fail, /;

describe('AK/SK over HTTP', () => {
  const t = useSim();
  const s = () => t.s();
  let volumeId: string;
  let serverId: string;
  const volPath = () => `/evs/v2/${s().sim.account.projectId}/volumes/${volumeId}`;
  const actionPath = () => `/ecs/v1/${s().sim.account.projectId}/cloudservers/action`;
  const stopBody = () => ({ 'os-stop': { type: 'SOFT', servers: [{ id: serverId }] } });
  const serverStatus = () =>
    s()
      .sim.state()
      .servers.find((x) => x.id === serverId)!.status;

  beforeEach(() => {
    const seeded = s().sim.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    volumeId = seeded.volumes[0].id;
    serverId = seeded.servers[0].id;
  });

  it('serves signed calls without a token (EVS, IMS, an ECS action with a body) and logs them as AK/SK', async () => {
    expect((await signed(s(), 'GET', volPath())).body.volume).toMatchObject({ id: volumeId, status: 'in-use' });
    expect((await signed(s(), 'GET', '/ims/v2/images?limit=5&sort_key=name&sort_dir=asc')).status).toBe(200);
    const stop = await signed(s(), 'POST', actionPath(), stopBody());
    expect(stop.status).toBe(200);
    expect(stop.body.job_id).toEqual(expect.any(String));
    const calls = s()
      .sim.events()
      .filter((e) => e.type === 'api.call' && e.op !== 'keystone.token');
    expect(calls.map((e) => [e.op, e.status, e.auth])).toEqual([
      ['evs.getVolume', 200, 'aksk'],
      ['ims.listImages', 200, 'aksk'],
      ['ecs.stop', 200, 'aksk'],
    ]);
  });

  it('token calls work as before; an Authorization of another scheme is not an AK/SK call', async () => {
    expect((await t.c.volume(volumeId)).status).toBe(200);
    expect((await t.c.call('GET', volPath(), undefined, { Authorization: 'Bearer abc' })).status).toBe(200);
    expect((await send(s(), 'GET', volPath(), {})).status).toBe(401);
    expect(
      s()
        .sim.events()
        .filter((e) => e.type === 'api.call' && e.op === 'evs.getVolume')
        .map((e) => e.auth),
    ).toEqual(['token', 'token', 'token']);
  });

  it('a wrong secret: 401 APIGW.0301 "verify aksk signature fail", and the action is not carried out', async () => {
    const sk = s().sim.account.secretKey;
    const wrong = `${sk.slice(0, -1)}${sk.endsWith('x') ? 'y' : 'x'}`;
    const r = await signed(s(), 'POST', actionPath(), stopBody(), { sk: wrong });
    expectApig0301(r, SIGN_FAIL);
    expect(r.body.error_msg).toBe(
      'Incorrect IAM authentication information: verify aksk signature fail, SignedHeaders=content-type;host;x-project-id;x-sdk-date',
    );
    expect(JSON.stringify(r.body)).not.toContain(sk);
    expect(JSON.stringify(r.body)).not.toContain(wrong);
    expect(serverStatus()).toBe('ACTIVE');
    expect(s().sim.state().jobs).toEqual([]);
  });

  it('an unknown AK: "Get secretKey failed,ak:…,err:ak not exist"', async () => {
    const r = await signed(s(), 'GET', volPath(), undefined, { ak: 'NOSUCHAKAAAAAAAAAAAA' });
    expectApig0301(r, 'Incorrect IAM authentication information: Get secretKey failed,ak:NOSUCHAKAAAAAAAAAAAA,err:ak not exist');
  });

  it('X-Sdk-Date more than 15 minutes off either way is refused; 14 minutes is accepted', async () => {
    const now = Date.now();
    expectApig0301(await signed(s(), 'GET', volPath(), undefined, { at: now - 16 * MIN }), /is more than 15 minutes from the server time$/);
    expectApig0301(await signed(s(), 'GET', volPath(), undefined, { at: now + 16 * MIN }), /is more than 15 minutes from the server time$/);
    expect((await signed(s(), 'GET', volPath(), undefined, { at: now - 14 * MIN })).status).toBe(200);
    expect((await signed(s(), 'GET', volPath(), undefined, { at: now + 14 * MIN })).status).toBe(200);
  });

  it('a missing, malformed or unsigned X-Sdk-Date is refused', async () => {
    const h = signedHeaders(s(), 'GET', volPath(), undefined);
    const noDate = { ...h };
    delete (noDate as Record<string, string>)['X-Sdk-Date'];
    expectApig0301(await send(s(), 'GET', volPath(), noDate), /X-Sdk-Date is missing/);
    expectApig0301(await send(s(), 'GET', volPath(), { ...h, 'X-Sdk-Date': '2019-11-15T03:36:55Z' }), /not YYYYMMDDTHHMMSSZ/);
    // The date sent but not signed: the Authorization names only host and x-project-id.
    const a = s().sim.account;
    const url = new URL(volPath(), s().url);
    const headers = { Host: url.host, 'X-Project-Id': a.projectId, 'X-Sdk-Date': sdkDate() };
    const { authorization } = sign(
      { method: 'GET', url, headers },
      { ak: a.accessKey, sk: a.secretKey, signedHeaders: ['host', 'x-project-id'] },
    );
    expectApig0301(await send(s(), 'GET', volPath(), { ...headers, Authorization: authorization }), /does not include x-sdk-date/);
  });

  it('anything signed and changed on the way is refused: a header, the body, the query, the path, the method', async () => {
    const h = signedHeaders(s(), 'GET', volPath(), undefined, { headers: { 'X-Trace': 'a' } });
    expect((await send(s(), 'GET', volPath(), h)).status).toBe(200);
    expectApig0301(await send(s(), 'GET', volPath(), { ...h, 'X-Trace': 'b' }), SIGN_FAIL);
    const other = s().sim.seed({ volumes: [{ name: 'other', size: 1 }] }).volumes[0].id;
    expectApig0301(await send(s(), 'GET', volPath().replace(volumeId, other), h), SIGN_FAIL);
    expectApig0301(await send(s(), 'DELETE', volPath(), h), SIGN_FAIL);

    const body = JSON.stringify(stopBody());
    const hb = signedHeaders(s(), 'POST', actionPath(), body);
    const tampered = body.replace('SOFT', 'HARD');
    expect(tampered).not.toBe(body);
    expectApig0301(await send(s(), 'POST', actionPath(), hb, tampered), SIGN_FAIL);
    expect(serverStatus()).toBe('ACTIVE');

    const listPath = '/ims/v2/images?limit=1';
    const hq = signedHeaders(s(), 'GET', listPath, undefined);
    expect((await send(s(), 'GET', listPath, hq)).status).toBe(200);
    expectApig0301(await send(s(), 'GET', '/ims/v2/images?limit=2', hq), SIGN_FAIL);
    expectApig0301(await send(s(), 'GET', '/ims/v2/images?limit=1&name=x', hq), SIGN_FAIL);
  });

  it('a signed header missing from the request, a malformed Authorization and the Credential= form are refused', async () => {
    const h = signedHeaders(s(), 'GET', volPath(), undefined, { headers: { 'X-Trace': 'a' } });
    const without = { ...h };
    delete (without as Record<string, string>)['X-Trace'];
    expectApig0301(await send(s(), 'GET', volPath(), without), /\(x-trace is not in the request\)$/);
    expectApig0301(await send(s(), 'GET', volPath(), { ...h, Authorization: 'SDK-HMAC-SHA256 garbage' }), /Authorization header is not/);
    const credentialForm = h.Authorization.replace(/Access=([^,]+)/, (_m, ak: string) => `Credential=${ak}/20191115///sdk_request`);
    expectApig0301(await send(s(), 'GET', volPath(), { ...h, Authorization: credentialForm }), /Authorization header is not/);
  });

  it("X-Project-Id: required (EVS, ECS and IMS alike), one of the account's, and the path's project", async () => {
    const missing = /^Incorrect IAM authentication information: Unauthorized, the X-Project-Id header is required/;
    expectApig0301(await signed(s(), 'GET', volPath(), undefined, { omit: ['X-Project-Id'] }), missing);
    expectApig0301(await signed(s(), 'GET', '/ims/v2/images', undefined, { omit: ['X-Project-Id'] }), missing);
    expectApig0301(await signed(s(), 'POST', actionPath(), stopBody(), { omit: ['X-Project-Id'] }), missing);
    expect(serverStatus()).toBe('ACTIVE');

    const foreign = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expectApig0301(
      await signed(s(), 'GET', volPath(), undefined, { headers: { 'X-Project-Id': foreign } }),
      `Incorrect IAM authentication information: Unauthorized, project ${foreign} is not a project of this AK's account`,
    );
    // The header's project is the account's, the path names another: the services' own refusal, as with a token.
    const r = await signed(s(), 'GET', volPath().replace(s().sim.account.projectId, foreign));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ badRequest: { code: 'Common.0018' } });
  });

  it("the clock window is the simulator's clock (a ManualClock), not the host's", async () => {
    const clock = new ManualClock(Date.UTC(2019, 10, 15, 3, 36, 55));
    const m = await createSim({ seed: 1, clock });
    try {
      const path = '/ims/v2/images';
      expectApig0301(await signed(m, 'GET', path), /more than 15 minutes/);
      expect((await signed(m, 'GET', path, undefined, { at: clock.now() })).status).toBe(200);
      const h = signedHeaders(m, 'GET', path, undefined, { at: clock.now() });
      clock.tick(15 * MIN);
      expect((await send(m, 'GET', path, h)).status).toBe(200);
      clock.tick(1000);
      expectApig0301(await send(m, 'GET', path, h), /more than 15 minutes/);
    } finally {
      await m.close();
    }
  });
});

describe('the project cloud client configured with AK/SK (cloudEnvAkSk)', () => {
  let s: SimServer;
  beforeEach(async () => {
    s = await createSim({ seed: 7 });
  });
  afterEach(() => s.close());

  it('reads and lists (repeated non-ASCII tags too) with no Keystone token; a wrong SK is an auth error without the SK', async () => {
    const seeded = s.sim.seed({
      servers: [{ name: 'app' }],
      volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }],
    });
    const env = s.cloudEnvAkSk;
    expect(env).toMatchObject({ OS_ACCESS_KEY: s.sim.account.accessKey, OS_PROJECT_ID: s.sim.account.projectId });
    const cloud = createCloudClient(loadCloudConfig({ env }));
    const wrong = createCloudClient(loadCloudConfig({ env: { ...env, OS_SECRET_KEY: 'not-the-secret-key-of-this-ak-0000000000' } }));
    try {
      expect((await cloud.evs.getVolume(seeded.volumes[0].id)).status).toBe('in-use');
      expect((await cloud.ecs.getServer(seeded.servers[0].id)).status).toBe('ACTIVE');
      // The signer sorts the query before encoding, as the gateway does: `é` after `zeta` (else a 401 here).
      expect(await cloud.ims.findImagesByTags({ tags: ['é', 'zeta'] })).toEqual([]);
      expect(s.sim.oracle().apiCalls.byOp['keystone.token'] ?? 0).toBe(0);

      const err = await wrong.evs.getVolume(seeded.volumes[0].id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CloudError);
      expect(err).toMatchObject({ status: 401, code: 'APIGW.0301' });
      expect(classify(err)).toEqual({ kind: 'auth', retryable: false });
      expect((err as Error).message).toContain('verify aksk signature fail');
      expect((err as Error).message).not.toContain('not-the-secret-key-of-this-ak');
      expect((err as Error).message).not.toContain(env.OS_SECRET_KEY);
    } finally {
      await cloud.close();
      await wrong.close();
    }
  });
});
