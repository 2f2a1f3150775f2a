// Nova v2.1 paths under the `compute` endpoint (`…/v2.1` or `…/v2.1/{project_id}`, §6.5).
import { actionURL, joinURL, withQuery } from '../urls';

export const serverURL = (base: string, serverId: string) => joinURL(base, 'servers', serverId);
/** One server's action (`os-stop`, `os-start`): the body names it. */
export const serverActionURL = (base: string, serverId: string) => actionURL(base, 'servers', serverId);
/** Nova pages by marker (the last server's id); `limit` is cut to the cloud's `max_limit` (1000 by default). */
export const serversDetailURL = (base: string, limit: number, marker?: string) =>
  withQuery(joinURL(base, 'servers', 'detail'), { limit, marker });
