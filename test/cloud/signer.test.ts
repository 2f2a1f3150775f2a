// AK/SK "SDK-HMAC-SHA256" Variant A: the published test vectors of cloud-api.md §2.2.
import { describe, expect, it } from 'vitest';
import { canonicalQuery, canonicalURI, goSdkSignedHeaders, sdkDate, sign } from '../../src/cloud/signer';
import { SIGNING_GUIDE } from '../fixtures/apig/signing-guide';

describe('signer (cloud-api.md §2.2 Variant A)', () => {
  it('reproduces the Huawei signing guide vector', () => {
    const r = sign(
      {
        method: 'GET',
        url: 'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
        headers: { 'Content-Type': 'application/json', Host: 'service.region.example.com', 'X-Sdk-Date': '20191115T033655Z' },
      },
      { ak: 'QTWAOYTTINDUT2QVKYUC', sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' },
    );
    expect(r.canonicalRequest).toBe(SIGNING_GUIDE.canonicalRequest);
    expect(r.stringToSign).toBe(SIGNING_GUIDE.stringToSign);
    expect(r.signature).toBe(SIGNING_GUIDE.signature);
    expect(r.authorization).toBe(
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });

  it('reproduces the Huawei Go SDK GET vector', () => {
    const headers = { 'X-Sdk-Date': '20060102T150405Z', TEST_UNDERSCORE: 'TEST_VALUE' };
    const r = sign(
      { method: 'GET', url: 'https://example.huaweicloud.com/path?limit=1', headers },
      { ak: 'AccessKey', sk: 'SecretKey', signedHeaders: goSdkSignedHeaders(headers) },
    );
    expect(r.canonicalRequest).toBe(
      'GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(r.authorization).toBe(
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
    );
  });

  it('reproduces the Huawei Go SDK POST vector (body with the trailing newline of json.Encoder)', () => {
    const headers = { 'X-Sdk-Date': '20060102T150405Z', TEST_UNDERSCORE: 'TEST_VALUE', 'Content-Type': 'application/json' };
    const r = sign(
      { method: 'POST', url: 'https://example.huaweicloud.com/path?key=value', headers, body: '{"Name":"test","Id":1}\n' },
      { ak: 'AccessKey', sk: 'SecretKey', signedHeaders: goSdkSignedHeaders(headers) },
    );
    expect(r.canonicalRequest.split('\n').at(-1)).toBe('a29d7b4c5efd1a22011d69fd7b7aee76fe51e4083c609244228de258afd61289');
    expect(r.authorization).toBe(
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59',
    );
  });

  it('canonicalises paths and queries per RFC 3986', () => {
    expect(canonicalURI('/')).toBe('/');
    expect(canonicalURI('/v2/images/a%20b/tags/x%2Fy')).toBe('/v2/images/a%20b/tags/x%2Fy/');
    expect(canonicalQuery(new URLSearchParams('b=2&a=z&a=y&name=my+image&x=%21'))).toBe('a=y&a=z&b=2&name=my%20image&x=%21');
  });

  it('formats X-Sdk-Date as UTC YYYYMMDDTHHMMSSZ', () => {
    expect(sdkDate(new Date('2019-11-15T03:36:55.123Z'))).toBe('20191115T033655Z');
  });

  it('refuses to sign without X-Sdk-Date or with a listed header missing', () => {
    expect(() => sign({ method: 'GET', url: 'https://h/p', headers: {} }, { ak: 'a', sk: 's' })).toThrow(/X-Sdk-Date/);
    expect(() =>
      sign(
        { method: 'GET', url: 'https://h/p', headers: { 'X-Sdk-Date': '20060102T150405Z' } },
        { ak: 'a', sk: 's', signedHeaders: ['host'] },
      ),
    ).toThrow(/host/);
  });
});
