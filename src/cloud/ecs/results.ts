// ECS response parsers: server detail (§4.1, status derivation §4.2), the batch action's job id (§4.3) and the
// job (§4.4). ECS writes `bootIndex` and `delete_on_termination` as strings.
import type { Job, JobStatus, Server, SubJob } from '../types';
import { array, bool, envelope, isObj, optNum, optStr, reqStr, time, type Obj } from '../parse';

/** `GET …/cloudservers/{id}` → `{"server":{…}}`. */
export function parseServer(body: unknown): Server {
  const s = envelope(body, 'server');
  const fault = isObj(s.fault) ? s.fault : null;
  return {
    id: reqStr(s, 'id', 'server'),
    name: optStr(s.name) ?? '',
    status: reqStr(s, 'status', 'server'),
    vmState: optStr(s['OS-EXT-STS:vm_state']),
    // null when idle; `powering-off` / `powering-on` while a stop / start runs (§4.2).
    taskState: optStr(s['OS-EXT-STS:task_state']),
    powerState: optNum(s['OS-EXT-STS:power_state']),
    locked: bool(s.locked),
    // `image` is `{id}` for an image-booted server and "" for one booted from a disk (§4.1).
    imageId: isObj(s.image) ? optStr(s.image.id) : null,
    fault: fault ? { message: optStr(fault.message) ?? '', code: typeof fault.code === 'number' ? fault.code : optStr(fault.code) } : null,
    volumesAttached: array(s['os-extended-volumes:volumes_attached'])
      .filter(isObj)
      .map((v) => ({
        id: reqStr(v, 'id', 'server.os-extended-volumes:volumes_attached[]'),
        device: optStr(v.device),
        bootIndex: optStr(v.bootIndex),
      })),
  };
}

/** `GET …/cloudservers/detail` → `{"count": total, "servers": […]}`. */
export function parseServerPage(body: unknown): { count: number | null; servers: Server[] } {
  const b = envelope(body);
  return { count: optNum(b.count), servers: array(b.servers).map((s) => parseServer({ server: s })) };
}

/** Batch stop/start → `{"job_id":"…"}` (§4.3). */
export function parseJobId(body: unknown): string {
  return reqStr(envelope(body), 'job_id', 'response');
}

const JOB_STATUSES = new Set<JobStatus>(['INIT', 'RUNNING', 'SUCCESS', 'FAIL']);

/** SUCCESS|RUNNING|FAIL|INIT (§4.4); any other value is read as RUNNING, so a poller keeps waiting (bounded by its deadline). */
function jobStatus(v: unknown): JobStatus {
  const s = (optStr(v) ?? '').toUpperCase() as JobStatus;
  return JOB_STATUSES.has(s) ? s : 'RUNNING';
}

/** `GET …/jobs/{job_id}` (§4.4). */
export function parseJob(body: unknown): Job {
  const j = envelope(body);
  const entities = isObj(j.entities) ? j.entities : {};
  return {
    jobId: reqStr(j, 'job_id', 'job'),
    status: jobStatus(j.status),
    jobType: optStr(j.job_type),
    beginTime: time(j.begin_time),
    endTime: time(j.end_time),
    errorCode: optStr(j.error_code),
    failReason: optStr(j.fail_reason),
    subJobs: array(entities.sub_jobs).filter(isObj).map(toSubJob),
  };
}

function toSubJob(s: Obj): SubJob {
  const e = isObj(s.entities) ? s.entities : {};
  return {
    jobId: optStr(s.job_id) ?? '',
    status: jobStatus(s.status),
    jobType: optStr(s.job_type),
    serverId: optStr(e.server_id),
    // The sub-job's own code, else the one ECS puts in entities.errorcode_message (§4.4).
    errorCode: optStr(s.error_code) ?? optStr(e.errorcode_message),
    failReason: optStr(s.fail_reason),
  };
}
