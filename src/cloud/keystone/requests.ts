// Keystone v3 password-token request body (§2.1): `auth.identity.password.user` + a project scope (EVS, ECS and
// IMS are project-level services).
import type { PasswordAuthConfig } from '../config';

type Ref = { id: string } | { name: string };

function ref(id: string | undefined, name: string | undefined): Ref | undefined {
  if (id) return { id };
  if (name) return { name };
  return undefined;
}

export function toTokenRequest(a: PasswordAuthConfig): Record<string, unknown> {
  const user: Record<string, unknown> = a.userId ? { id: a.userId } : { name: a.username };
  // A user id is global; a user name needs its domain.
  const userDomain = a.userId ? undefined : ref(a.userDomainId, a.userDomainName);
  if (userDomain) user.domain = userDomain;
  user.password = a.password.reveal();

  let project: Record<string, unknown>;
  if (a.projectId) {
    project = { id: a.projectId };
  } else {
    project = { name: a.projectName };
    const domain = ref(a.projectDomainId, a.projectDomainName);
    if (domain) project.domain = domain;
  }
  return {
    auth: {
      identity: { methods: ['password'], password: { user } },
      scope: { project },
    },
  };
}
