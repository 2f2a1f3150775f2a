// The snapshot and the temporary disk are the same kind of resource to the client (§3.8): created by POST on
// their collection, found by exact name on `…/detail`, read and deleted by id. One definition serves both.
import type { Caller } from '../call';
import type { OpName } from '../ops';
import type { CallOptions } from '../types';
import type { Query } from '../urls';
import { joinURL, withQuery } from '../urls';
import { toNameQuery } from './requests';

export interface ResourceSpec<T> {
  /** The collection's path segment: `volumes`, `snapshots`. */
  collection: string;
  ops: { get: OpName; list: OpName; create: OpName; remove: OpName };
  parseOne: (body: unknown) => T;
  parseList: (body: unknown) => T[];
}

export interface Resource<T> {
  get(id: string, o?: CallOptions): Promise<T>;
  /** Exact name; compared again here, in case a server ignores the filter. */
  find(name: string, o?: CallOptions): Promise<T[]>;
  /** One page of `…/detail`. */
  page(query: Query, o?: CallOptions): Promise<T[]>;
  create(body: unknown, o?: CallOptions): Promise<T>;
  /** 202: the deletion runs on (`deleting`, then 404). */
  remove(id: string, o?: CallOptions): Promise<void>;
}

export function resource<T extends { name: string }>(call: Caller, r: ResourceSpec<T>): Resource<T> {
  const item = (b: string, id: string) => joinURL(b, r.collection, id);
  const page = (query: Query, o?: CallOptions) =>
    call(
      {
        service: 'evs',
        op: r.ops.list,
        method: 'GET',
        url: (b) => withQuery(joinURL(b, r.collection, 'detail'), query),
        expect: [200],
        parse: r.parseList,
      },
      o,
    );
  return {
    get: (id, o) => call({ service: 'evs', op: r.ops.get, method: 'GET', url: (b) => item(b, id), expect: [200], parse: r.parseOne }, o),
    page,
    find: async (name, o) => (await page(toNameQuery(name, `find ${r.collection}`), o)).filter((x) => x.name === name),
    create: (body, o) =>
      call(
        {
          service: 'evs',
          op: r.ops.create,
          method: 'POST',
          url: (b) => joinURL(b, r.collection),
          body,
          expect: [200, 202],
          parse: r.parseOne,
        },
        o,
      ),
    remove: (id, o) =>
      call({ service: 'evs', op: r.ops.remove, method: 'DELETE', url: (b) => item(b, id), expect: [202], parse: () => undefined }, o),
  };
}
