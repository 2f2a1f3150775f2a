// ECS operations (§4.1 server detail, §4.3 batch stop/start, §4.4 job); on a vanilla OpenStack cloud the same
// interface is Nova's (../nova/api.ts), chosen per call by the client's profile (§6.5).
import { type Caller, pageOptions } from '../call';
import { novaApi } from '../nova/api';
import type { CallOptions, EcsApi, Server } from '../types';
import { toStartBody, toStopBody } from './requests';
import { parseJob, parseJobId, parseServer, parseServerPage } from './results';
import { batchActionURL, jobURL, serversDetailURL, serverURL } from './urls';

// "200/202/204 job delivered" (§4.3, returned_values.rst); the job id is in the body. A 202 whose body is an
// error (Common.0024) is throttling and never reaches here (http.ts).
const JOB_ACCEPTED = [200, 202, 204] as const;

const PAGE = 1000;
// More servers than any project has; a server that keeps answering full pages is broken.
const MAX_PAGES = 100;

/** ECS or Nova, as the cloud's profile says. */
export function ecsApi(call: Caller, now: () => number = Date.now): EcsApi {
  const otc = otcEcsApi(call);
  const nova = novaApi(call, now);
  const pick = async (o?: CallOptions) => ((await call.profile(o)) === 'openstack' ? nova : otc);
  return {
    getServer: async (id, o) => (await pick(o)).getServer(id, o),
    listServers: async (o) => (await pick(o)).listServers(o),
    stopServers: async (ids, type, o) => (await pick(o)).stopServers(ids, type, o),
    startServers: async (ids, o) => (await pick(o)).startServers(ids, o),
    getJob: async (jobId, o) => (await pick(o)).getJob(jobId, o),
  };
}

/** ECS's own API under the `ecs` endpoint (`…/v1/{project_id}`). */
export function otcEcsApi(call: Caller): EcsApi {
  return {
    async listServers(o) {
      const out: Server[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const r = await call(
          {
            service: 'ecs',
            op: 'ecs.listServers',
            method: 'GET',
            url: (b) => serversDetailURL(b, page, PAGE),
            expect: [200],
            parse: parseServerPage,
          },
          pageOptions(o, page - 1),
        );
        out.push(...r.servers);
        if (r.servers.length < PAGE || (r.count !== null && out.length >= r.count)) return out;
      }
      return out;
    },

    getServer: async (serverId, o) =>
      call(
        { service: 'ecs', op: 'ecs.getServer', method: 'GET', url: (b) => serverURL(b, serverId), expect: [200], parse: parseServer },
        o,
      ),

    stopServers: async (serverIds, type, o) =>
      call(
        {
          service: 'ecs',
          op: 'ecs.stop',
          method: 'POST',
          url: batchActionURL,
          body: toStopBody(serverIds, type),
          expect: JOB_ACCEPTED,
          parse: parseJobId,
        },
        o,
      ),

    startServers: async (serverIds, o) =>
      call(
        {
          service: 'ecs',
          op: 'ecs.start',
          method: 'POST',
          url: batchActionURL,
          body: toStartBody(serverIds),
          expect: JOB_ACCEPTED,
          parse: parseJobId,
        },
        o,
      ),

    getJob: async (jobId, o) =>
      call({ service: 'ecs', op: 'ecs.getJob', method: 'GET', url: (b) => jobURL(b, jobId), expect: [200], parse: parseJob }, o),
  };
}
