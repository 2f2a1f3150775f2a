// P7: no password, token, AK, SK or security token in any error message, property, cause, stack or log line,
// even when the cloud echoes them back.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCloudClient, type CloudClient } from '../../src/cloud/client';
import { loadCloudConfig } from '../../src/cloud/config';
import { clientFor, FakeCloud, PASSWORD, PROJECT, send } from './fake-cloud';

let cloud: FakeCloud;
let client: CloudClient | undefined;
const logs: string[] = [];
const logger = {
  warn: (m: string, meta?: Record<string, unknown>) => logs.push(m + JSON.stringify(meta)),
  debug: (m: string, meta?: Record<string, unknown>) => logs.push(m + JSON.stringify(meta)),
};

beforeEach(async () => {
  cloud = await FakeCloud.start();
  logs.length = 0;
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await cloud.close();
});

/** Everything an error could show: message, stack, own and hidden properties, cause chain, JSON. */
function everything(err: unknown): string {
  const parts = [String(err), inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err)];
  let c: unknown = err;
  while (c instanceof Error) {
    parts.push(c.message, c.stack ?? '', JSON.stringify(Object.getOwnPropertyDescriptors(c)));
    c = c.cause;
  }
  return parts.join('\n');
}

function expectNoSecret(err: unknown, secrets: string[]) {
  expect(err).toBeInstanceOf(Error);
  const all = everything(err);
  for (const s of secrets) expect(all, `secret ${s} leaked`).not.toContain(s);
}

const echo = (r: { headers: Record<string, unknown>; body: string }) => `you sent ${JSON.stringify(r.headers)} ${r.body}`;

describe('password / token mode', () => {
  const secrets = () => [PASSWORD, ...cloud.validTokens, 'tok-1-0123456789abcdef'];

  it('a service error echoing the token and the password', async () => {
    cloud.on('GET', /\/evs\/.*/, (r, res) =>
      send(res, 400, { badRequest: { message: `${echo(r)} password=${PASSWORD}`, code: 'EVS.5400' } }),
    );
    client = clientFor(cloud, { logger });
    const err = await client.evs.getVolume('v').catch((e: unknown) => e);
    expect((err as Error).message).toContain('[redacted]');
    expectNoSecret(err, secrets());
  });

  it('a Keystone error echoing the request body (with the password)', async () => {
    cloud.on(
      'POST',
      '/identity/v3/auth/tokens',
      (r, res) => send(res, 400, { error: { code: 400, message: echo(r), title: 'Bad Request' } }),
      true,
    );
    client = clientFor(cloud, { logger });
    const err = await client.projectId().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, service: 'keystone' });
    expectNoSecret(err, secrets());
  });

  it('an APIG error, a non-JSON error, details, retries and a replayed 401', async () => {
    let n = 0;
    cloud.on('GET', /\/evs\/.*/, (r, res) => {
      n++;
      if (n === 1) return send(res, 429, { error_msg: echo(r), error_code: 'APIGW.0308', request_id: 'x' }, { 'Retry-After': '0' });
      if (n === 2)
        return send(res, 401, {
          error_msg: `token expires ${String(r.headers['x-auth-token'])}`,
          error_code: 'APIGW.0301',
          request_id: 'y',
        });
      send(res, 500, `<html>${echo(r)}</html>`);
    });
    cloud.on('POST', /\/ecs\/.*/, (r, res) =>
      send(res, 400, { error: { message: 'x', code: 'Ecs.0100', details: [{ code: 'Ecs.0605', message: echo(r) }] } }),
    );
    client = clientFor(cloud, { logger, retry: { transientRetries: 0 } });
    expectNoSecret(await client.evs.getVolume('v').catch((e: unknown) => e), secrets());
    expectNoSecret(await client.ecs.stopServers(['s'], 'SOFT').catch((e: unknown) => e), secrets());
    for (const l of logs) for (const s of secrets()) expect(l).not.toContain(s);
    expect(logs.length).toBeGreaterThan(0);
  });

  it('transport errors (connection lost, timeout, abort)', async () => {
    cloud.on('POST', /\/evs\/.*/, (_r, _res, raw) => void raw.socket.destroy());
    cloud.on('GET', /\/ecs\/.*/, () => undefined);
    client = clientFor(cloud, { timeoutMs: 100, retry: { transientRetries: 0 } });
    expectNoSecret(await client.evs.uploadImage('v', { imageName: 'n', force: true }).catch((e: unknown) => e), secrets());
    expectNoSecret(await client.ecs.getServer('s').catch((e: unknown) => e), secrets());
    expectNoSecret(await client.ecs.getJob('j', { signal: AbortSignal.timeout(20) }).catch((e: unknown) => e), secrets());
  });
});

describe('AK/SK mode', () => {
  const AK = 'AKIDEXAMPLE12345';
  const SK = 'SK-very-secret-0987654321';
  const STS = 'security-token-abcdef';

  it('an error echoing the signed headers (AK, security token)', async () => {
    cloud.on(
      'GET',
      /\/evs\/.*/,
      (r, res) => send(res, 401, { error_msg: `verify aksk signature fail, ${echo(r)} ${SK}`, error_code: 'APIGW.0301', request_id: 'r' }),
      true,
    );
    const cfg = loadCloudConfig({
      env: {
        OS_ACCESS_KEY: AK,
        OS_SECRET_KEY: SK,
        OS_SECURITY_TOKEN: STS,
        OS_PROJECT_ID: PROJECT,
        OS_ENDPOINT_TEMPLATE: `${cloud.url}/{service}`,
      },
    });
    client = createCloudClient(cfg, { rateLimit: false });
    const err = await client.evs.getVolume('v').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, code: 'APIGW.0301' });
    expectNoSecret(err, [AK, SK, STS]);
  });
});
