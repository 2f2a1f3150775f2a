// Servers on a vanilla OpenStack cloud: Nova v2.1 (cloud-api.md §4.5, §6.5), behind the same EcsApi as ECS so the
// activities and the saga do not change. Server detail asks for microversion 2.9, the first that shows `locked`
// (the plan refuses to stop a locked server, §7). Stop and start are one `os-stop`/`os-start` per server (202, no
// body); a 409 because the server is already there or already on its way (`Cannot 'stop' instance … while it is in
// vm_state stopped` / `task_state powering-off`) is read back and counts as accepted, any other 409 (a lock) is
// the cloud's refusal. The job id is made up and read back from the servers (jobs.ts).
import { type Caller, pageOptions } from '../call';
import { CloudRequestError, isStatus } from '../errors';
import { parseServer, parseServerPage } from '../ecs/results';
import type { CallOptions, EcsApi, Job, Server } from '../types';
import { decodeJobId, deriveJob, encodeJobId, type ServerReading, TARGET } from './jobs';
import { type NovaAction, serverIds, toActionBody } from './requests';
import { serverActionURL, serversDetailURL, serverURL } from './urls';

/** Both spellings: `OpenStack-API-Version` from Nova 2.27 on, the older header before (novaclient sends both). */
export const NOVA_MICROVERSION = { 'OpenStack-API-Version': 'compute 2.9', 'X-OpenStack-Nova-API-Version': '2.9' } as const;

const PAGE = 1000;
const MAX_PAGES = 100;

export function novaApi(call: Caller, now: () => number = Date.now): EcsApi {
  const getServer = (serverId: string, o?: CallOptions): Promise<Server> =>
    call(
      {
        service: 'ecs',
        op: 'ecs.getServer',
        method: 'GET',
        url: (b) => serverURL(b, serverId),
        headers: NOVA_MICROVERSION,
        expect: [200],
        parse: parseServer,
      },
      o,
    );

  /** One action per server; what a 409 means is read from the server itself. */
  async function act(action: NovaAction, ids: string[], o?: CallOptions): Promise<string> {
    const servers = serverIds(ids, action === 'os-stop' ? 'stopServers' : 'startServers');
    const requestedAt = now();
    for (const id of servers) {
      try {
        await call(
          {
            service: 'ecs',
            op: action === 'os-stop' ? 'ecs.stop' : 'ecs.start',
            method: 'POST',
            url: (b) => serverActionURL(b, id),
            body: toActionBody(action),
            expect: [202],
            parse: () => undefined,
          },
          o,
        );
      } catch (err) {
        if (!isStatus(err, 409)) throw err;
        const s = await getServer(id, o);
        const there = s.status === TARGET[action] && s.taskState === null;
        if (!there && s.taskState === null) throw err;
      }
    }
    return encodeJobId({ action, requestedAt, serverIds: servers });
  }

  return {
    getServer,

    async listServers(o) {
      const out: Server[] = [];
      for (let page = 0; page < MAX_PAGES; page++) {
        const marker = out.at(-1)?.id;
        const r = await call(
          {
            service: 'ecs',
            op: 'ecs.listServers',
            method: 'GET',
            url: (b) => serversDetailURL(b, PAGE, marker),
            headers: NOVA_MICROVERSION,
            expect: [200],
            parse: parseServerPage,
          },
          pageOptions(o, page),
        );
        out.push(...r.servers);
        if (r.servers.length < PAGE) break;
      }
      return out;
    },

    stopServers: (ids, _type, o) => act('os-stop', ids, o),
    startServers: (ids, o) => act('os-start', ids, o),

    async getJob(jobId, o): Promise<Job> {
      const ref = decodeJobId(jobId);
      if (!ref) {
        throw new CloudRequestError({
          service: 'ecs',
          op: 'ecs.getJob',
          method: 'GET',
          path: '',
          code: 'UnknownJob',
          serviceLabel: 'Nova',
          detail: `job ${JSON.stringify(jobId)} is not one this client made for Nova (an ECS job, from a worker with the otc profile?)`,
        });
      }
      const readings = await Promise.all(
        ref.serverIds.map(async (serverId): Promise<ServerReading> => {
          try {
            return { serverId, server: await getServer(serverId, o) };
          } catch (err) {
            if (isStatus(err, 404)) return { serverId, gone: true };
            throw err;
          }
        }),
      );
      return deriveJob(jobId, ref, readings, now());
    },
  };
}
