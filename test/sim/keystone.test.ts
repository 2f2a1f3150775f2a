import { describe, expect, it } from 'vitest';
import { ManualClock, createSim } from '../../src/sim';
import { Client, authBody, useSim } from './helpers';

describe('sim Keystone', () => {
  const t = useSim();

  it('issues a project token: 201, X-Subject-Token, OTC-shaped body with the catalog', async () => {
    const { c } = t;
    const a = c.s.sim.account;
    const r = await c.call('POST', '/v3/auth/tokens', authBody('demo', 'demo-password', 'OTC-DEMO', { name: 'eu-de_demo' }), {
      'X-Auth-Token': '',
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    expect(r.headers.get('x-subject-token')).toMatch(/^gAAAAA/);
    const tok = r.body.token;
    expect(tok.methods).toEqual(['password']);
    expect(tok.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(tok.expires_at) - Date.parse(tok.issued_at)).toBe(24 * 3600 * 1000);
    expect(tok.project).toMatchObject({
      id: '0391e4486e864c26be5654c522f440f2',
      name: 'eu-de_demo',
      domain: { name: 'OTC-DEMO', xdomain_type: 'TSI' },
    });
    expect(tok.user).toMatchObject({ name: 'demo', domain: { name: 'OTC-DEMO' } });
    expect(tok.roles.length).toBeGreaterThan(0);
    const byType = Object.fromEntries(
      tok.catalog.map((s: { type: string; endpoints: { url: string; interface: string; region: string }[] }) => [s.type, s.endpoints[0]]),
    );
    const base = c.s.url;
    expect(Object.keys(byType).sort()).toEqual(['compute', 'ecs', 'evs', 'identity', 'image', 'volumev2', 'volumev3']);
    expect(byType.identity.url).toBe(`${base}/v3`);
    expect(byType.evs.url).toBe(`${base}/evs/v2/${a.projectId}`);
    expect(byType.volumev2.url).toBe(`${base}/evs/v2/${a.projectId}`);
    expect(byType.volumev3.url).toBe(`${base}/evs/v3/${a.projectId}`);
    expect(byType.ecs.url).toBe(`${base}/ecs/v1/${a.projectId}`);
    expect(byType.compute.url).toBe(`${base}/ecs/v2.1/${a.projectId}`);
    expect(byType.image.url).toBe(`${base}/ims`);
    expect(byType.ecs).toMatchObject({ interface: 'public', region: 'eu-de' });
  });

  it('scopes by project id, and ?nocatalog=1 drops the catalog', async () => {
    const { c } = t;
    const r = await c.call('POST', '/v3/auth/tokens?nocatalog=1', authBody('demo', 'demo-password', 'OTC-DEMO', { id: c.project }), {
      'X-Auth-Token': '',
    });
    expect(r.status).toBe(201);
    expect(r.body.token.project.id).toBe(c.project);
    expect(r.body.token.catalog).toBeUndefined();
  });

  it('refuses a wrong password, user, domain or project with the Keystone 401 body', async () => {
    const { c } = t;
    const expected = { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } };
    for (const body of [
      authBody('demo', 'wrong', 'OTC-DEMO', { id: c.project }),
      authBody('nobody', 'demo-password', 'OTC-DEMO', { id: c.project }),
      authBody('demo', 'demo-password', 'OTHER', { id: c.project }),
      authBody('demo', 'demo-password', 'OTC-DEMO', { name: 'eu-nl_other' }),
    ]) {
      const r = await c.call('POST', '/v3/auth/tokens', body, { 'X-Auth-Token': '' });
      expect(r.status).toBe(401);
      expect(r.body).toEqual(expected);
    }
    const malformed = await c.call('POST', '/v3/auth/tokens', { nope: true }, { 'X-Auth-Token': '' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 400, title: 'Bad Request' });
  });

  it('requires a valid token on every service, in each service error shape', async () => {
    const { c } = t;
    c.token = undefined;
    const p = c.project;
    expect(await c.call('GET', `/evs/v2/${p}/volumes/x`)).toMatchObject({ status: 401, body: { unauthorized: { code: 'EVS.5401' } } });
    expect(await c.call('GET', `/ecs/v1/${p}/cloudservers/x`)).toMatchObject({
      status: 401,
      body: { error: { code: 'Common.0013', message: 'Invalid token.' } },
    });
    expect(await c.call('GET', '/ims/v2/images/x', undefined, { 'X-Auth-Token': 'bogus' })).toMatchObject({
      status: 401,
      body: { error: { code: 'APIGW.0301' } },
    });
  });

  it('refuses a project id in the path that is not the token project', async () => {
    const { c } = t;
    const r = await c.call('GET', '/evs/v2/ffffffffffffffffffffffffffffffff/volumes/x');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ badRequest: { code: 'Common.0018' } });
    expect((await c.call('GET', '/ecs/v1/ffffffffffffffffffffffffffffffff/jobs/x')).body).toMatchObject({ error: { code: 'Common.0018' } });
  });

  it('expires tokens after tokenTtlMs', async () => {
    // A hand-driven clock makes the expiry instant exact.
    const clock = new ManualClock();
    const s = await createSim({ clock, config: { tokenTtlMs: 1000 } });
    try {
      const c = new Client(s);
      await c.login();
      clock.tick(999);
      expect((await c.call('GET', '/ims/v2/images')).status).toBe(200);
      clock.tick(1);
      expect(await c.call('GET', '/ims/v2/images')).toMatchObject({ status: 401, body: { error: { code: 'APIGW.0301' } } });
      await c.login();
      expect((await c.call('GET', '/ims/v2/images')).status).toBe(200);
      // The TTL is also settable at run time.
      await c.admin('PUT', '/config', { tokenTtlMs: 10 });
      const r = await c.call('POST', '/v3/auth/tokens', authBody('demo', 'demo-password', 'OTC-DEMO', { id: c.project }), {
        'X-Auth-Token': '',
      });
      expect(Date.parse(r.body.token.expires_at) - Date.parse(r.body.token.issued_at)).toBe(10);
    } finally {
      await s.close();
    }
  });

  it('answers unknown paths with the API gateway 404', async () => {
    const r = await t.c.call('GET', '/nope/v9/thing');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error_code: 'APIGW.0101', request_id: r.headers.get('x-request-id') });
  });
});
