// What a service handler gets, and what a service route declares.
import type { IncomingHttpHeaders } from 'node:http';
import type { Service } from '../errors';
import type { TokenRec } from '../model/records';
import type { Sim } from '../sim';
import type { OpName } from '../types';
import type { Reply } from './io';
import type { Params, PathRoute } from './router';

export type Caller = Pick<TokenRec, 'projectId' | 'domainScoped'> & { via: 'token' | 'aksk' };

export interface Ctx {
  sim: Sim;
  params: Params;
  query: URLSearchParams;
  body: unknown;
  /**
   * Who calls, set for every route except Keystone's token call: the Keystone token, or for an AK/SK-signed call
   * the project of its X-Project-Id (cloud-api.md §2.2).
   */
  token?: Caller;
  /** `http://host:port` as the client addressed us; catalog URLs and links are built from it. */
  base: string;
  requestId: string;
  /** The request's headers as received (microversions, src/sim/openstack/microversion.ts). */
  headers?: IncomingHttpHeaders;
}

export interface ServiceRoute extends PathRoute {
  service: Service;
  /** Operation name for counting and fault matching (ECS's action route decides from the body). */
  op: OpName | ((ctx: Ctx) => OpName);
  /** Keystone's token call is the only one that needs no X-Auth-Token. */
  public?: boolean;
  /** Resource ids this call concerns, for fault `target`; default: path ids other than the project's. */
  targets?: (ctx: Ctx) => string[];
  handle(ctx: Ctx): Reply;
}
