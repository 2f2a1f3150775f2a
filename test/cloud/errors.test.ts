// Every documented error body shape (fixtures) through parseErrorBody, and the one classification.
import { describe, expect, it } from 'vitest';
import {
  classify,
  CloudAbortError,
  CloudConfigError,
  CloudConnectionError,
  CloudError,
  CloudTimeoutError,
  embeddedError,
  isCode,
  isStatus,
  parseErrorBody,
  parseRetryAfter,
  redact,
} from '../../src/cloud/errors';
import type { OpName, ServiceName } from '../../src/cloud/ops';
import { fixture } from './fake-cloud';

const text = (path: string) => JSON.stringify(fixture(path));

describe('parseErrorBody', () => {
  it.each([
    // [fixture, code, message, details]
    ['evs/error-badrequest.json', 'EVS.5400', 'Malformed request body.'],
    ['evs/error-itemnotfound.json', 'EVS.5404', 'Resource(Volume, Snapshot, Backup .etc) cound not be found.'],
    ['evs/error-error.json', 'EVS.5500', 'Internal server error.'],
    ['evs/error-badrequest-lowercase.json', 'EVS.1002', 'invalid volume id!'],
    ['evs/error-cinder-integer-code.json', '400', 'Invalid volume: Volume 3a81fdac-e8ae-4e61-b6a2-2e14ff316f19 status must be available'],
    ['ecs/error-nova-conflict.json', '409', "Cannot 'stop' instance 4f4b3dfa-eb70-47cf-a60a-998a53bd598a while it is in vm_state stopped"],
    ['ecs/error-common-0024-http202.json', 'Common.0024', 'Flow limit exceeded.'],
    ['ecs/error-common-1503-http429.json', 'Common.1503', 'Api flow control Error because the number of requests exceeds the limit.'],
    ['ims/error-img-0024.json', 'IMG.0024', 'The imagetype is invalid.'],
    ['ims/error-img-0027.json', 'IMG.0027', 'The image does not exist.'],
    ['ims/error-img-0060.json', 'IMG.0060', 'The number of tasks exceeds the flow control limit.'],
    ['keystone/error-401.json', '401', 'The request you have made requires authentication.'],
  ])('%s → %s', (path, code, message) => {
    expect(parseErrorBody(text(path))).toMatchObject({ code, message, requestId: null });
  });

  it('reads ECS error details (§4.3)', () => {
    expect(parseErrorBody(text('ecs/error-details.json'))).toEqual({
      code: 'Ecs.0100',
      message: 'The ECS status does not meet requirements. Make the ECS in the required status and try again.',
      requestId: null,
      details: [{ code: 'Ecs.0605', message: 'The ECS 616fb98f-46ca-475e-917e-2563e5a8cd19 is locked.' }],
    });
  });

  it('reads the API gateway shape with its request id (§2.2)', () => {
    expect(parseErrorBody(text('apig/error-apigw-0301.json'))).toMatchObject({
      code: 'APIGW.0301',
      message: expect.stringMatching(/^Incorrect IAM authentication information: verify aksk signature fail/),
      requestId: 'c6dd2b7e5ed7a04e3c3b5e0d2a9e3a1c',
    });
  });

  it('reads non-JSON bodies as text and an overLimit retryAfter', () => {
    expect(parseErrorBody('<html><head><title>502</title></head><body><h1>502 Bad Gateway</h1></body></html>')).toMatchObject({
      code: '',
      message: '502 502 Bad Gateway',
    });
    expect(parseErrorBody('')).toMatchObject({ code: '', message: '' });
    expect(parseErrorBody('x'.repeat(1000)).message.length).toBeLessThan(310);
    expect(parseErrorBody('{"overLimit":{"code":413,"message":"Over limit","retryAfter":"7"}}')).toMatchObject({
      code: '413',
      retryAfterMs: 7000,
    });
  });

  it('detects an error inside a 2xx body (ECS 202 + Common.0024, §4.7) but not a job id', () => {
    expect(embeddedError(fixture('ecs/error-common-0024-http202.json'))).toMatchObject({ code: 'Common.0024' });
    expect(embeddedError({ job_id: 'j' })).toBeUndefined();
    expect(embeddedError(fixture('ecs/job-success.json'))).toBeUndefined();
    expect(embeddedError({ code: 'Common.0011', message: 'Failed to query system tasks.' })).toMatchObject({ code: 'Common.0011' });
  });
});

const at = { service: 'evs' as ServiceName, op: 'evs.uploadImage' as OpName, method: 'POST', path: '/v2/p/volumes/v/action' };
const err = (status: number, code = '', more: Partial<ConstructorParameters<typeof CloudError>[0]> = {}) =>
  new CloudError({ ...at, status, code, cloudMessage: 'msg', ...more });

describe('CloudError', () => {
  it('has a human message and the documented properties', () => {
    const e = new CloudError({ ...at, status: 400, code: 'EVS.5400', cloudMessage: 'Malformed request body.', requestId: 'req-1' });
    expect(e.message).toBe('EVS uploadImage 400 EVS.5400: Malformed request body. (request id req-1)');
    expect(e).toMatchObject({
      name: 'CloudError',
      service: 'evs',
      op: 'evs.uploadImage',
      method: 'POST',
      path: at.path,
      status: 400,
      code: 'EVS.5400',
      requestId: 'req-1',
    });
    expect(e).toBeInstanceOf(Error);
    expect(new CloudError({ ...at, status: 503, code: '', cloudMessage: '' }).message).toBe('EVS uploadImage 503: Service Unavailable');
  });

  it('transport errors are CloudErrors with a kind; the abort one is an AbortError for Temporal', () => {
    const t = { ...at, code: 'X', detail: 'd' };
    expect(new CloudTimeoutError(t)).toMatchObject({ kind: 'timeout', status: 0, name: 'CloudTimeoutError' });
    expect(new CloudConnectionError(t)).toMatchObject({ kind: 'connection', name: 'CloudConnectionError' });
    const a = new CloudAbortError(t);
    expect(a).toMatchObject({ kind: 'aborted', name: 'AbortError' });
    expect(a).toBeInstanceOf(CloudError);
    expect(a.message).toBe('EVS uploadImage: d (POST /v2/p/volumes/v/action)');
  });

  it('isStatus / isCode', () => {
    expect(isStatus(err(404), 404)).toBe(true);
    expect(isStatus(err(404), 400, 409)).toBe(false);
    expect(isStatus(new Error('x'), 404)).toBe(false);
    expect(isCode(err(400, 'Ecs.0605'), 'Ecs.0605')).toBe(true);
    expect(isCode(err(400, 'ECS.0605'), 'Ecs.0605')).toBe(true);
    expect(isCode(err(400, ''), '')).toBe(false);
  });
});

describe('classify', () => {
  it.each([
    [err(429), 'throttled', true],
    [err(202, 'Common.0024'), 'throttled', true],
    [err(429, 'Common.1503'), 'throttled', true],
    [err(400, 'IMG.0060'), 'throttled', true],
    [err(503), 'throttled', true],
    [err(500), 'transient', true],
    [err(502), 'transient', true],
    [err(504), 'transient', true],
    [err(400, 'Ecs.1002'), 'transient', true],
    [err(404, 'EVS.5404'), 'not-found', false],
    [err(409), 'conflict', false],
    [err(400, 'EVS.5400'), 'invalid', false],
    [err(413, 'EVS.5413'), 'quota', false],
    [err(401), 'auth', false],
    [err(400, 'Common.0013'), 'auth', false],
    [err(401, 'APIGW.0301'), 'auth', false],
    [err(403, 'EVS.5403'), 'forbidden', false],
    [new CloudTimeoutError({ ...at, code: 'Timeout', detail: 'd' }), 'transient', true],
    [new CloudConnectionError({ ...at, code: 'UND_ERR_SOCKET', detail: 'd' }), 'transient', true],
    [new CloudAbortError({ ...at, code: 'Aborted', detail: 'd' }), 'aborted', false],
    [Object.assign(new Error('x'), { name: 'AbortError' }), 'aborted', false],
    [new CloudConfigError('no endpoint'), 'config', false],
    [new Error('bug'), 'unknown', false],
    ['string', 'unknown', false],
  ])('%s → %s', (e, kind, retryable) => {
    expect(classify(e)).toMatchObject({ kind, retryable });
  });

  it('passes Retry-After on', () => {
    expect(classify(err(429, '', { retryAfterMs: 2000 }))).toEqual({ kind: 'throttled', retryable: true, retryAfterMs: 2000 });
  });
});

describe('helpers', () => {
  it('parses Retry-After seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(['1.5'])).toBe(1500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('redacts secrets', () => {
    expect(redact('token tok-123456 and pw', ['tok-123456', 'pw'])).toBe('token [redacted] and pw');
  });
});
