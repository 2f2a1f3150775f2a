// POST /v3/auth/tokens → 201, X-Subject-Token header, token body shaped like the recorded OTC reply (§2.1).
// Not implemented: GET/HEAD/DELETE /v3/auth/tokens (validation, revocation) (the version documents are ../versions.ts),
// token/AK-SK auth methods, `password_expires_at` values, role assignment beyond one fixed role.
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { issueToken } from '../model/tokens';
import { authenticate } from './auth';
import { buildCatalog } from './catalog';

// Keystone spells token times with microseconds: 2219-05-24T15:11:11.815000Z.
const keystoneTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}000Z`;

export function issue(ctx: Ctx): Reply {
  const w = ctx.sim.world;
  const a = w.account;
  const scope = authenticate(ctx.body, a);
  const t = issueToken(w, scope);
  // OTC extras seen in the recording: xdomain_type and a 20-digit xdomain_id (not in the openstack dialect).
  const vanilla = ctx.sim.dialect === 'openstack';
  const domain = vanilla
    ? { name: a.userDomainName, id: a.domainId }
    : {
        xdomain_type: 'TSI',
        name: a.userDomainName,
        id: a.domainId,
        xdomain_id: a.domainId.replace(/\D/g, '').padEnd(20, '0').slice(0, 20),
      };
  const withCatalog = !ctx.query.get('nocatalog');
  const token: Record<string, unknown> = {
    expires_at: keystoneTime(t.expiresAt),
    methods: ['password'],
    issued_at: keystoneTime(t.issuedAt),
    user: { domain: { ...domain }, id: a.userId, name: a.userName, password_expires_at: '' },
  };
  // Unscoped tokens carry neither roles nor catalog.
  if (scope.projectId) token.project = { domain, name: a.projectName, id: a.projectId };
  else if (scope.domainScoped) token.domain = domain;
  if (scope.projectId || scope.domainScoped) {
    token.roles = vanilla
      ? [
          { name: 'member', id: '9fe2ff9ee4384b1894a90878d3e92bab' },
          { name: 'reader', id: 'd6b5e1a2c3f94e8b9a7c6d5e4f3a2b1c' },
        ]
      : [{ name: 'te_admin', id: '699bd62cda304d2cad03fd2fb190b8cf' }];
    if (withCatalog) token.catalog = buildCatalog(ctx.base, a, ctx.sim.dialect);
  }
  return { status: 201, body: { token }, headers: { 'X-Subject-Token': t.token } };
}
