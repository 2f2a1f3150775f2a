// Keystone tokens: issued with the configured TTL, checked on every service call.
import type { TokenRec } from './records';
import type { World } from './world';

export function issueToken(w: World, scope: { projectId: string | null; domainScoped: boolean }): TokenRec {
  const now = w.now();
  const rec: TokenRec = { token: `gAAAAA${w.rng.token(178)}`, ...scope, issuedAt: now, expiresAt: now + w.config.tokenTtlMs };
  w.tokens.set(rec.token, rec);
  return rec;
}

export type TokenCheck = { ok: true; token: TokenRec } | { ok: false; reason: 'missing' | 'unknown' | 'expired' };

export function checkToken(w: World, token: string | undefined): TokenCheck {
  if (!token) return { ok: false, reason: 'missing' };
  const rec = w.tokens.get(token);
  if (!rec) return { ok: false, reason: 'unknown' };
  if (w.now() >= rec.expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, token: rec };
}
