// Keystone v3 token URL (§2.1). `auth_url` is written with or without `/v3` in clouds.yaml; both work.

export function identityBase(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(u) ? u : `${u}/v3`;
}

export function tokensURL(authUrl: string): string {
  return `${identityBase(authUrl)}/auth/tokens`;
}
