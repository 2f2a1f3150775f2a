// What a service handler gets, and what a service route declares.
import type { Service } from '../errors';
import type { TokenRec } from '../model/records';
import type { Sim } from '../sim';
import type { OpName } from '../types';
import type { Reply } from './io';
import type { Params, PathRoute } from './router';

export interface Ctx {
  sim: Sim;
  params: Params;
  query: URLSearchParams;
  body: unknown;
  /** Set for every route except Keystone's token call. */
  token?: TokenRec;
  /** `http://host:port` as the client addressed us; catalog URLs and links are built from it. */
  base: string;
  requestId: string;
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
