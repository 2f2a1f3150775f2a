// ECS operations (§4.1 server detail, §4.3 batch stop/start, §4.4 job).
import type { Caller } from '../call';
import type { EcsApi } from '../types';
import { toStartBody, toStopBody } from './requests';
import { parseJob, parseJobId, parseServer } from './results';
import { batchActionURL, jobURL, serverURL } from './urls';

// "200/202/204 job delivered" (§4.3, returned_values.rst); the job id is in the body. A 202 whose body is an
// error (Common.0024) is throttling and never reaches here (http.ts).
const JOB_ACCEPTED = [200, 202, 204] as const;

export function ecsApi(call: Caller): EcsApi {
  return {
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
