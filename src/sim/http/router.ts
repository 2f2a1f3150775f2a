// Path tables: patterns like `/evs/v2/:project_id/volumes/:volume_id`, one segment per `:param`.

export type Params = Record<string, string>;

export interface PathRoute {
  method: string;
  path: string;
}

export function matchPath(pattern: string, pathname: string): Params | undefined {
  const want = pattern.split('/');
  const got = pathname.replace(/\/+$/, '').split('/');
  if (want.length !== got.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!got[i]) return undefined;
      try {
        params[want[i].slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return undefined;
      }
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return params;
}

export function findRoute<R extends PathRoute>(
  routes: readonly R[],
  method: string,
  pathname: string,
): { route: R; params: Params } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return undefined;
}
