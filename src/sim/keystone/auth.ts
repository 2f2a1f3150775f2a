// Checks a Keystone v3 password-auth body against the simulator's one account (cloud-api.md §2.1).
// Only the password method is implemented (no token, totp or AK/SK methods).
import { serviceError } from '../errors';
import type { WorldAccount } from '../model/world';

export type Scope = { projectId: string | null; domainScoped: boolean };

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const malformed = (what: string) => serviceError('keystone', 400, undefined, `Invalid input for field '${what}'.`);
const denied = () => serviceError('keystone', 401);

export function authenticate(body: unknown, a: WorldAccount): Scope {
  const auth = obj(obj(body)?.auth);
  if (!auth) throw malformed('auth');
  const identity = obj(auth.identity);
  const methods = identity?.methods;
  if (!identity || !Array.isArray(methods)) throw malformed('identity/methods');
  if (!methods.includes('password')) throw denied();
  const user = obj(obj(identity.password)?.user);
  if (!user || typeof user.password !== 'string') throw malformed('identity/password/user');
  const domain = obj(user.domain);
  const userOk =
    user.id !== undefined
      ? user.id === a.userId
      : user.name === a.userName && (domain?.name === a.userDomainName || domain?.id === a.domainId);
  if (!userOk || user.password !== a.password) throw denied();

  const scope = obj(auth.scope);
  if (!scope) return { projectId: null, domainScoped: false };
  const project = obj(scope.project);
  if (project) {
    // Project scope by id, or by name (within the user's domain); either way it must be ours.
    if (project.id !== undefined ? project.id !== a.projectId : project.name !== a.projectName) throw denied();
    return { projectId: a.projectId, domainScoped: false };
  }
  const d = obj(scope.domain);
  if (d) {
    if (d.id !== undefined ? d.id !== a.domainId : d.name !== a.userDomainName) throw denied();
    return { projectId: null, domainScoped: true };
  }
  throw malformed('scope');
}
