// ECS native paths under the `ecs` endpoint `…/v1/{project_id}` (§1.2, §4.1, §4.3, §4.4).
import { actionURL, joinURL, withQuery } from '../urls';

export const serverURL = (base: string, serverId: string) => joinURL(base, 'cloudservers', serverId);
/** Batch `os-stop` / `os-start` for many servers: one action URL, the body names the action. */
export const batchActionURL = (base: string) => actionURL(base, 'cloudservers');
/** `offset` is a page number from 1 (ECS "Querying Details About ECSs"). */
export const serversDetailURL = (base: string, page: number, limit: number) =>
  withQuery(joinURL(base, 'cloudservers', 'detail'), { limit, offset: page });
export const jobURL = (base: string, jobId: string) => joinURL(base, 'jobs', jobId);
