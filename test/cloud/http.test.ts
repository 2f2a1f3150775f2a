// Retry, timeout, abort and rate-limit rules of http.ts, over a real server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CloudClient, CloudClientOptions } from '../../src/cloud/client';
import { classify, CloudAbortError, CloudConnectionError, CloudError, CloudTimeoutError } from '../../src/cloud/errors';
import { clientFor, FakeCloud, fixture, PROJECT, send } from './fake-cloud';

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

const VOL = 'v1';
const volumePath = `/evs/v2/${PROJECT}/volumes/${VOL}`;
const volume = () => ({ volume: fixture('evs/volume-data-disk.json') });
const actionPath = `/ecs/v1/${PROJECT}/cloudservers/action`;

function make(o: CloudClientOptions = {}) {
  client = clientFor(cloud, o);
  return client;
}

/** Answers with the given replies in order (the last one repeats). */
function sequence(...replies: ((res: Parameters<typeof send>[0]) => void)[]) {
  let i = 0;
  return (_r: unknown, res: Parameters<typeof send>[0]) => replies[Math.min(i++, replies.length - 1)](res);
}

describe('throttling (retried for every method)', () => {
  it('429 with Retry-After seconds is retried after that delay, then succeeds', async () => {
    const times: number[] = [];
    cloud.on('POST', actionPath, (_r, res) => {
      times.push(Date.now());
      if (times.length === 1) return send(res, 429, fixture('ecs/error-common-1503-http429.json'), { 'Retry-After': '1' });
      send(res, 200, { job_id: 'j1' });
    });
    const c = make({ retry: { maxDelayMs: 5000 }, rateLimit: { requestsPerSecond: 20, burst: 40 } });
    expect(await c.ecs.stopServers(['s1'], 'SOFT')).toBe('j1');
    expect(times).toHaveLength(2);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
    expect(c.callCounts()['ecs.stop']).toBe(2);
    // The throttle slowed the whole budget down too (it recovers within seconds).
    expect(c.budget().currentRate()).toBeLessThan(20);
    expect(c.budget().currentRate()).toBeGreaterThan(10);
  });

  it('429 with an HTTP-date Retry-After', async () => {
    cloud.on(
      'GET',
      volumePath,
      sequence(
        (res) =>
          send(
            res,
            429,
            { error_msg: 'over ratelimit', error_code: 'APIGW.0308', request_id: 'r' },
            { 'Retry-After': new Date(Date.now() + 1000).toUTCString() },
          ),
        (res) => send(res, 200, volume()),
      ),
    );
    const c = make({ retry: { maxDelayMs: 5000 } });
    await expect(c.evs.getVolume(VOL)).resolves.toMatchObject({ status: 'in-use' });
    expect(c.callCounts()['evs.getVolume']).toBe(2);
  });

  it('ECS HTTP 202 + Common.0024 is throttling, retried, then the job id is returned', async () => {
    cloud.on(
      'POST',
      actionPath,
      sequence(
        (res) => send(res, 202, fixture('ecs/error-common-0024-http202.json')),
        (res) => send(res, 202, { job_id: 'j2' }),
      ),
    );
    const c = make();
    expect(await c.ecs.startServers(['s1'])).toBe('j2');
    expect(cloud.serviceRequests()).toHaveLength(2);
  });

  it('gives up after the configured throttle retries with a throttled CloudError', async () => {
    cloud.on('POST', actionPath, (_r, res) => send(res, 202, fixture('ecs/error-common-0024-http202.json')));
    const c = make({ retry: { throttleRetries: 2 } });
    const err = await c.ecs.stopServers(['s1'], 'SOFT').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 202, code: 'Common.0024', op: 'ecs.stop' });
    expect(classify(err)).toMatchObject({ kind: 'throttled', retryable: true });
    expect(cloud.serviceRequests()).toHaveLength(3);
  });

  it('caps a long Retry-After at maxDelayMs and keeps it on the error', async () => {
    cloud.on('GET', volumePath, (_r, res) => send(res, 429, {}, { 'Retry-After': '120' }));
    const c = make({ retry: { throttleRetries: 1, maxDelayMs: 20 } });
    const t0 = Date.now();
    const err = await c.evs.getVolume(VOL).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 120_000 });
  });
});

describe('5xx and transport failures (retried for GET only)', () => {
  it('500 on GET is retried', async () => {
    cloud.on(
      'GET',
      volumePath,
      sequence(
        (res) => send(res, 500, fixture('evs/error-error.json')),
        (res) => send(res, 200, volume()),
      ),
    );
    const c = make();
    await expect(c.evs.getVolume(VOL)).resolves.toMatchObject({ id: '36ba39af-3579-4e6e-adfc-b764349c0f77' });
    expect(c.callCounts()['evs.getVolume']).toBe(2);
  });

  it('500 on GET gives up after transientRetries', async () => {
    cloud.on('GET', volumePath, (_r, res) => send(res, 502, 'Bad Gateway'));
    const c = make({ retry: { transientRetries: 2 } });
    await expect(c.evs.getVolume(VOL)).rejects.toMatchObject({ status: 502, cloudMessage: 'Bad Gateway' });
    expect(c.callCounts()['evs.getVolume']).toBe(3);
  });

  it('500 on POST is not retried', async () => {
    cloud.on('POST', `/evs/v2/${PROJECT}/volumes/${VOL}/action`, (_r, res) => send(res, 500, fixture('evs/error-error.json')));
    const c = make();
    const err = await c.evs.uploadImage(VOL, { imageName: 'n', force: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 500, code: 'EVS.5500' });
    expect(classify(err)).toMatchObject({ kind: 'transient', retryable: true });
    expect(c.callCounts()['evs.uploadImage']).toBe(1);
  });

  it('a connection lost before the response on POST is a transient CloudError, not retried', async () => {
    cloud.on('POST', `/evs/v2/${PROJECT}/volumes/${VOL}/action`, (_r, _res, raw) => void raw.socket.destroy());
    const c = make();
    const err = await c.evs.uploadImage(VOL, { imageName: 'n', force: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudConnectionError);
    expect(err).toMatchObject({ kind: 'connection', status: 0, op: 'evs.uploadImage', method: 'POST' });
    expect(classify(err)).toEqual({ kind: 'transient', retryable: true });
    expect(cloud.serviceRequests()).toHaveLength(1);
  });

  it('a connection lost on GET is retried', async () => {
    let n = 0;
    cloud.on('GET', volumePath, (_r, res, raw) => void (n++ === 0 ? raw.socket.destroy() : send(res, 200, volume())));
    const c = make();
    await expect(c.evs.getVolume(VOL)).resolves.toMatchObject({ status: 'in-use' });
    expect(n).toBe(2);
  });

  it('a request that gets no answer times out (per attempt) with a CloudTimeoutError', async () => {
    cloud.on('GET', volumePath, () => undefined); // never answers
    const c = make({ timeoutMs: 150, retry: { transientRetries: 1 } });
    const t0 = Date.now();
    const err = await c.evs.getVolume(VOL).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudTimeoutError);
    expect(err).toMatchObject({ kind: 'timeout', code: 'Timeout', path: volumePath });
    expect((err as Error).message).toBe(`EVS getVolume: no response within 150 ms (GET ${volumePath})`);
    expect(classify(err)).toEqual({ kind: 'transient', retryable: true });
    expect(c.callCounts()['evs.getVolume']).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('a POST that times out is not retried', async () => {
    cloud.on('POST', actionPath, () => undefined);
    const c = make({ timeoutMs: 100 });
    await expect(c.ecs.stopServers(['s'], 'SOFT')).rejects.toBeInstanceOf(CloudTimeoutError);
    expect(c.callCounts()['ecs.stop']).toBe(1);
  });
});

describe('abort', () => {
  it("the caller's signal aborts an in-flight request with an AbortError (Temporal cancellation)", async () => {
    cloud.on('GET', volumePath, () => undefined);
    const c = make();
    await c.projectId();
    const ac = new AbortController();
    const p = c.evs.getVolume(VOL, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudAbortError);
    expect(err).toMatchObject({ name: 'AbortError', kind: 'aborted', op: 'evs.getVolume' });
    expect(classify(err)).toEqual({ kind: 'aborted', retryable: false });
    expect(c.callCounts()['evs.getVolume']).toBe(1);
  });

  it('aborts a throttle backoff wait', async () => {
    cloud.on('GET', volumePath, (_r, res) => send(res, 429, {}, { 'Retry-After': '10' }));
    const c = make({ retry: { maxDelayMs: 10_000 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = Date.now();
    await expect(c.evs.getVolume(VOL, { signal: ac.signal })).rejects.toBeInstanceOf(CloudAbortError);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('an already aborted signal sends nothing', async () => {
    const c = make();
    await expect(c.evs.getVolume(VOL, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CloudAbortError);
    expect(cloud.requests).toHaveLength(0);
  });
});

describe('rate limit', () => {
  it('spaces requests beyond the burst, in order, token requests included', async () => {
    const seen: string[] = [];
    cloud.on('GET', /\/evs\/v2\/.*\/volumes\/.*/, (r, res) => {
      seen.push(r.path.split('/').at(-1)!);
      send(res, 200, volume());
    });
    const c = make({ rateLimit: { requestsPerSecond: 20, burst: 2 } });
    const t0 = Date.now();
    // 1 token request + 6 volume reads = 7 requests; 2 free, then 5 at 50 ms each.
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => c.evs.getVolume(id)));
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(seen).toHaveLength(6);
    expect(c.callCounts()).toEqual({ 'keystone.token': 1, 'evs.getVolume': 6 });
  });

  it('lets a call that changes something (a stop) go before reads queued earlier', async () => {
    const seen: string[] = [];
    cloud.on('GET', /\/evs\/v2\/.*\/volumes\/.*/, (r, res) => {
      seen.push(`read ${r.path.split('/').at(-1)!}`);
      send(res, 200, volume());
    });
    cloud.on('POST', actionPath, (_r, res) => {
      seen.push('stop');
      send(res, 200, { job_id: 'j1' });
    });
    const c = make({ rateLimit: { requestsPerSecond: 20, burst: 1 } });
    await c.evs.getVolume('first'); // the token, then an empty bucket
    const reads = ['a', 'b', 'c', 'd'].map((id) => c.evs.getVolume(id));
    const stop = c.ecs.stopServers(['s1'], 'SOFT');
    await Promise.all([...reads, stop]);
    expect(seen.slice(1)).toEqual(['stop', 'read a', 'read b', 'read c', 'read d']);

    // Before urgent reads too (a restart's start behind many waits for uploads that let servers restart).
    seen.length = 0;
    const urgent = c.withOptions({ priority: 'urgent' });
    const urgentReads = ['e', 'f', 'g'].map((id) => urgent.evs.getVolume(id));
    const start = urgent.ecs.stopServers(['s2'], 'SOFT');
    await Promise.all([...urgentReads, start]);
    expect(seen).toEqual(['stop', 'read e', 'read f', 'read g']);
  });

  it('uses EVS_EXPORT_API_RPS / EVS_EXPORT_API_BURST when options do not say', async () => {
    cloud.on('GET', /\/evs\/v2\/.*\/volumes\/.*/, (_r, res) => send(res, 200, volume()));
    const c = clientFor(cloud, { rateLimit: undefined }, { EVS_EXPORT_API_RPS: '10', EVS_EXPORT_API_BURST: '1' });
    client = c;
    const t0 = Date.now();
    await Promise.all(['a', 'b', 'c'].map((id) => c.evs.getVolume(id)));
    // 4 requests, burst 1, 100 ms apart.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
});

describe('responses', () => {
  it('reads non-JSON error bodies', async () => {
    cloud.on('GET', volumePath, (_r, res) => send(res, 404, '404 Not Found\n\nThe resource could not be found.'));
    const err = await make()
      .evs.getVolume(VOL)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect(err).toMatchObject({ status: 404, code: '', cloudMessage: '404 Not Found The resource could not be found.' });
  });
});
