// clouds.yaml (+ secure.yaml) and OS_* loading, errors that name the setting, and the loggable summary.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudConfigError, describeCloudConfig, loadCloudConfig, type CloudConfig } from '../../src/cloud/config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clouds-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CLOUDS = `
clouds:
  otc:
    auth:
      auth_url: https://iam.eu-de.otc.t-systems.com:443/v3
      username: alice
      user_domain_name: OTC00000000001000000317
      project_name: eu-de_profi9
    region_name: eu-de
    interface: public
    image_endpoint_override: https://ims.example.com/
  aksk:
    auth:
      ak: QTWAOYTTINDUT2QVKYUC
      sk: MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc
      project_id: 0391e4486e864c26be5654c522f440f2
    region_name: eu-de
    endpoint_template: https://{service}.{region}.otc.t-systems.com
  broken:
    auth:
      auth_url: https://iam.example.com/v3
      username: bob
      password: pw
      user_domain_name: d
      project_id: p
    interface: sideways
`;
const SECURE = `
clouds:
  otc:
    auth:
      password: s3cr3t-from-secure-yaml
`;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function error(f: () => unknown): CloudConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof CloudConfigError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('clouds.yaml', () => {
  it('loads OS_CLOUD from OS_CLIENT_CONFIG_FILE merged with secure.yaml next to it', () => {
    const file = write('clouds.yaml', CLOUDS);
    write('secure.yaml', SECURE);
    const cfg = loadCloudConfig({ env: { OS_CLOUD: 'otc', OS_CLIENT_CONFIG_FILE: file } });
    expect(cfg).toMatchObject({
      source: `clouds.yaml ${file} cloud "otc"`,
      region: 'eu-de',
      interface: 'public',
      endpointOverrides: { ims: 'https://ims.example.com' },
      auth: {
        type: 'password',
        authUrl: 'https://iam.eu-de.otc.t-systems.com:443/v3',
        username: 'alice',
        userDomainName: 'OTC00000000001000000317',
        projectName: 'eu-de_profi9',
        projectDomainName: 'OTC00000000001000000317',
      },
    });
    expect(cfg.auth.type === 'password' && cfg.auth.password.reveal()).toBe('s3cr3t-from-secure-yaml');
  });

  it('takes the cloud argument and an explicit file list, skipping files without that cloud', () => {
    const other = write('other.yaml', 'clouds:\n  x: {}\n');
    const file = write('clouds.yaml', CLOUDS);
    const cfg = loadCloudConfig({ env: {}, cloud: 'aksk', files: [join(dir, 'missing.yaml'), other, file] });
    expect(cfg.auth).toMatchObject({ type: 'aksk', projectId: '0391e4486e864c26be5654c522f440f2' });
    expect(cfg.endpointTemplate).toBe('https://{service}.{region}.otc.t-systems.com');
  });

  it("takes the account's API budget per cloud, and the environment's over it", () => {
    const file = write(
      'budget.yaml',
      CLOUDS.replace(
        '    endpoint_template: https://{service}',
        '    evs_export_api_rps: 8\n    evs_export_api_burst: 12\n    endpoint_template: https://{service}',
      ),
    );
    expect(loadCloudConfig({ env: {}, cloud: 'aksk', files: [file] }).rateLimit).toEqual({ requestsPerSecond: 8, burst: 12 });
    expect(loadCloudConfig({ env: {}, cloud: 'aksk', files: [write('clouds.yaml', CLOUDS)] }).rateLimit).toBeUndefined();
    const env = { EVS_EXPORT_API_RPS: '4' };
    expect(loadCloudConfig({ env, cloud: 'aksk', files: [file] }).rateLimit).toEqual({ requestsPerSecond: 4, burst: 12 });
    const bad = write(
      'bad-budget.yaml',
      CLOUDS.replace(
        '    region_name: eu-de\n    endpoint_template',
        '    region_name: eu-de\n    evs_export_api_rps: lots\n    endpoint_template',
      ),
    );
    expect(error(() => loadCloudConfig({ env: {}, cloud: 'aksk', files: [bad] })).message).toBe(
      `clouds.yaml ${bad} cloud "aksk": evs_export_api_rps must be a number > 0, got "lots"`,
    );
  });

  it('names the missing or wrong setting', () => {
    const file = write('clouds.yaml', CLOUDS);
    const noSecure = error(() => loadCloudConfig({ env: { OS_CLOUD: 'otc' }, files: [file] }));
    expect(noSecure.setting).toBe('auth.password');
    expect(noSecure.message).toBe(`clouds.yaml ${file} cloud "otc": auth.password is missing`);
    expect(error(() => loadCloudConfig({ env: {}, cloud: 'broken', files: [file] })).message).toMatch(
      /interface must be public, internal or admin, got "sideways"/,
    );
    const unknown = error(() => loadCloudConfig({ env: { OS_CLOUD: 'nope' }, files: [file] }));
    expect(unknown.setting).toBe('OS_CLOUD');
    expect(unknown.message).toMatch(/cloud "nope" \(OS_CLOUD\) not found in any clouds.yaml; searched: .*clouds.yaml/);
  });

  it('reports an unreadable YAML file', () => {
    const file = write('clouds.yaml', 'clouds: [unclosed');
    expect(error(() => loadCloudConfig({ env: {}, cloud: 'x', files: [file] })).message).toMatch(/cannot read .*clouds.yaml/);
  });
});

describe('OS_* environment', () => {
  const base = {
    OS_AUTH_URL: 'https://iam.eu-de.otc.t-systems.com',
    OS_USERNAME: 'alice',
    OS_PASSWORD: 'env-password-123',
    OS_USER_DOMAIN_NAME: 'OTC-DOMAIN',
    OS_PROJECT_ID: 'p1',
  };

  it('loads password auth, region, interface and the endpoint overrides', () => {
    const cfg = loadCloudConfig({
      env: {
        ...base,
        OS_REGION_NAME: 'eu-nl',
        OS_INTERFACE: 'internalURL',
        OS_ENDPOINT_OVERRIDE_EVS: 'https://evs.example.com/v2/{project_id}',
        OS_ENDPOINT_OVERRIDE_ECS: 'https://ecs.example.com/v1/{project_id}/',
        OS_ENDPOINT_OVERRIDE_IMS: 'https://ims.example.com',
        EVS_EXPORT_API_RPS: '5',
        EVS_EXPORT_API_BURST: '10',
      },
    });
    expect(cfg).toMatchObject({
      source: 'environment (OS_*)',
      region: 'eu-nl',
      interface: 'internal',
      endpointOverrides: {
        evs: 'https://evs.example.com/v2/{project_id}',
        ecs: 'https://ecs.example.com/v1/{project_id}',
        ims: 'https://ims.example.com',
      },
      rateLimit: { requestsPerSecond: 5, burst: 10 },
      auth: {
        type: 'password',
        authUrl: 'https://iam.eu-de.otc.t-systems.com',
        username: 'alice',
        userDomainName: 'OTC-DOMAIN',
        projectId: 'p1',
      },
    });
  });

  it('accepts OS_USER_DOMAIN_ID, OS_DOMAIN_NAME and OS_PROJECT_NAME', () => {
    const { OS_USER_DOMAIN_NAME: _, OS_PROJECT_ID: __, ...rest } = base;
    expect(loadCloudConfig({ env: { ...rest, OS_USER_DOMAIN_ID: 'did', OS_PROJECT_NAME: 'eu-de' } }).auth).toMatchObject({
      userDomainId: 'did',
      projectName: 'eu-de',
      projectDomainId: 'did',
    });
    expect(loadCloudConfig({ env: { ...rest, OS_DOMAIN_NAME: 'dn', OS_PROJECT_NAME: 'eu-de' } }).auth).toMatchObject({
      userDomainName: 'dn',
      projectDomainName: 'dn',
    });
  });

  it.each([
    ['OS_AUTH_URL', {}, /no cloud configured: set OS_CLOUD/],
    ['OS_USERNAME', { OS_USERNAME: '' }, /OS_USERNAME is missing/],
    ['OS_PASSWORD', { OS_PASSWORD: '' }, /OS_PASSWORD is missing/],
    ['OS_USER_DOMAIN_NAME', { OS_USER_DOMAIN_NAME: '' }, /OS_USER_DOMAIN_NAME is missing/],
    ['OS_PROJECT_ID', { OS_PROJECT_ID: '' }, /OS_PROJECT_ID is missing \(or set the project name\)/],
    ['OS_AUTH_URL', { OS_AUTH_URL: 'iam.example.com' }, /OS_AUTH_URL is not a URL: "iam.example.com"/],
    ['OS_ENDPOINT_OVERRIDE_EVS', { OS_ENDPOINT_OVERRIDE_EVS: 'ftp://x' }, /OS_ENDPOINT_OVERRIDE_EVS must be an http\(s\) URL/],
    ['OS_INTERFACE', { OS_INTERFACE: 'public-ish' }, /OS_INTERFACE must be public, internal or admin/],
    ['EVS_EXPORT_API_RPS', { EVS_EXPORT_API_RPS: 'fast' }, /EVS_EXPORT_API_RPS must be a number > 0, got "fast"/],
  ])('names %s when it is missing or wrong', (setting, patch, message) => {
    const env = Object.keys(patch).length ? { ...base, ...patch } : {};
    const e = error(() => loadCloudConfig({ env }));
    expect(e.setting).toBe(setting);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('env-password-123');
  });

  it('loads AK/SK and requires an endpoint template or overrides', () => {
    const aksk = { OS_ACCESS_KEY: 'AK12345', OS_SECRET_KEY: 'SK-secret-67890', OS_PROJECT_ID: 'p1' };
    expect(error(() => loadCloudConfig({ env: aksk })).setting).toBe('OS_ENDPOINT_TEMPLATE');
    expect(error(() => loadCloudConfig({ env: { ...aksk, OS_ENDPOINT_TEMPLATE: 'https://{service}.{region}.x' } })).setting).toBe(
      'OS_REGION_NAME',
    );
    expect(error(() => loadCloudConfig({ env: { OS_ACCESS_KEY: 'AK12345' } })).setting).toBe('OS_SECRET_KEY');
    const cfg = loadCloudConfig({
      env: { ...aksk, OS_REGION_NAME: 'eu-de', OS_ENDPOINT_TEMPLATE: 'https://{service}.{region}.x', OS_SECURITY_TOKEN: 'sts-token-xyz' },
    });
    expect(cfg.auth).toMatchObject({ type: 'aksk', projectId: 'p1' });
  });

  it('OS_INSECURE / OS_CACERT', () => {
    expect(loadCloudConfig({ env: { ...base, OS_INSECURE: 'true' } }).tls).toEqual({ verify: false });
    const pem = write('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(loadCloudConfig({ env: { ...base, OS_CACERT: pem } }).tls).toMatchObject({
      verify: true,
      cacert: pem,
      ca: expect.stringContaining('BEGIN CERTIFICATE'),
    });
    expect(error(() => loadCloudConfig({ env: { ...base, OS_CACERT: join(dir, 'nope.pem') } })).setting).toBe('OS_CACERT');
  });
});

describe('describeCloudConfig and logging', () => {
  const secrets = ['env-password-123', 'SK-secret-67890', 'AK12345', 'sts-token-xyz'];
  const configs: CloudConfig[] = [];
  beforeEach(() => {
    configs.length = 0;
    configs.push(
      loadCloudConfig({
        env: {
          OS_AUTH_URL: 'https://iam/v3',
          OS_USERNAME: 'alice',
          OS_PASSWORD: 'env-password-123',
          OS_USER_DOMAIN_NAME: 'D',
          OS_PROJECT_NAME: 'eu-de',
          OS_REGION_NAME: 'eu-de',
        },
      }),
      loadCloudConfig({
        env: {
          OS_ACCESS_KEY: 'AK12345',
          OS_SECRET_KEY: 'SK-secret-67890',
          OS_SECURITY_TOKEN: 'sts-token-xyz',
          OS_PROJECT_ID: 'p1',
          OS_ENDPOINT_TEMPLATE: 'https://{service}.x',
        },
      }),
    );
  });

  it('describes without secrets', () => {
    expect(describeCloudConfig(configs[0])).toBe(
      'environment (OS_*), password auth at https://iam/v3, user alice (domain D), project eu-de, region eu-de, interface public',
    );
    expect(describeCloudConfig(configs[1])).toBe(
      'environment (OS_*), AK/SK auth, project p1, region (from catalog), interface public, endpoint template https://{service}.x',
    );
  });

  it('never prints a secret when logged, inspected or serialised', () => {
    for (const cfg of configs) {
      const outputs = [
        describeCloudConfig(cfg),
        JSON.stringify(cfg),
        inspect(cfg, { depth: 10, showHidden: true }),
        String(Object.values(cfg.auth)),
      ];
      for (const out of outputs) for (const s of secrets) expect(out).not.toContain(s);
    }
  });
});

it('describeCloudConfig drops user info from URLs', () => {
  const cfg = loadCloudConfig({
    env: {
      OS_AUTH_URL: 'https://bob:hunter2@iam/v3',
      OS_USERNAME: 'bob',
      OS_PASSWORD: 'hunter2',
      OS_USER_DOMAIN_NAME: 'D',
      OS_PROJECT_ID: 'p',
    },
  });
  expect(describeCloudConfig(cfg)).not.toContain('hunter2');
});
