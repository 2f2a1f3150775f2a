// The job the openstack profile makes up for Nova (cloud-api.md §6.5). Nova's `os-stop`/`os-start` answer 202 with
// no body and no job; the activities (src/activities/power.ts) expect ECS's shape — a job id from the request, a
// job read until SUCCESS or FAIL (§4.4). So the client returns an id that says what was asked: the action, when,
// and of which servers; and `getJob` reads those servers and derives the job from what it sees (§4.2):
//   SUCCESS  status is the target (SHUTOFF for a stop, ACTIVE for a start) and task_state is null;
//   RUNNING  a task runs (task_state powering-off, powering-on or another one);
//   FAIL     the server is ERROR (with Nova's fault message), gone (404), or idle where it started once the
//            grace below has passed — Nova's compute host gave up and put task_state back to null;
//   INIT     idle where it started within the grace: Nova sets task_state before its 202, so this is only a
//            reader that lags (a database replica), never a reason to fail.
// The job is FAIL when any server failed and none still runs, as ECS jobs are (§4.4, §8.4). Pure: no I/O.
import type { Job, JobStatus, Server, SubJob } from '../types';
import type { NovaAction } from './requests';

/** How long a server may still look untouched after its 202 before the request counts as failed. */
export const NOVA_INIT_GRACE_MS = 10_000;

export interface NovaJobRef {
  action: NovaAction;
  /** Client clock, ms since epoch, just before the first request. */
  requestedAt: number;
  serverIds: string[];
}

const PREFIX = 'nova';
const ACTIONS: readonly NovaAction[] = ['os-stop', 'os-start'];

/** `nova:os-stop:1718000000000:<id>,<id>` — readable in the workflow's history and the operator's messages. */
export function encodeJobId(ref: NovaJobRef): string {
  return [PREFIX, ref.action, String(ref.requestedAt), ref.serverIds.join(',')].join(':');
}

/** The request a made-up job id names, or undefined for any other id (e.g. an ECS job's). */
export function decodeJobId(jobId: string): NovaJobRef | undefined {
  const m = /^nova:(os-stop|os-start):(\d+):(.+)$/.exec(jobId);
  if (!m || !ACTIONS.includes(m[1] as NovaAction)) return undefined;
  const serverIds = m[3].split(',');
  if (serverIds.some((id) => id === '')) return undefined;
  return { action: m[1] as NovaAction, requestedAt: Number(m[2]), serverIds };
}

/** The status a finished `os-stop` / `os-start` leaves (§4.2). */
export const TARGET: Record<NovaAction, 'SHUTOFF' | 'ACTIVE'> = { 'os-stop': 'SHUTOFF', 'os-start': 'ACTIVE' };

/** One server as read for the job: its detail, or `gone` when Nova answered 404. */
export type ServerReading = { serverId: string; server: Server } | { serverId: string; gone: true };

function subJob(jobId: string, ref: NovaJobRef, r: ServerReading, now: number): SubJob {
  const base = { jobId: `${jobId}#${r.serverId}`, jobType: ref.action, serverId: r.serverId };
  const verb = ref.action === 'os-stop' ? 'stop' : 'start';
  if ('gone' in r) return { ...base, status: 'FAIL', errorCode: '404', failReason: `server ${r.serverId} no longer exists` };
  const s = r.server;
  if (s.taskState !== null) return { ...base, status: 'RUNNING', errorCode: null, failReason: null };
  if (s.status === TARGET[ref.action]) return { ...base, status: 'SUCCESS', errorCode: null, failReason: null };
  const fault = s.fault ? `: ${s.fault.message}` : '';
  const code = s.fault?.code === null || s.fault?.code === undefined ? null : String(s.fault.code);
  if (s.status === 'ERROR' || s.vmState === 'error')
    return { ...base, status: 'FAIL', errorCode: code, failReason: `server ${s.name || s.id} is in status ERROR${fault}` };
  if (now - ref.requestedAt < NOVA_INIT_GRACE_MS) return { ...base, status: 'INIT', errorCode: null, failReason: null };
  return {
    ...base,
    status: 'FAIL',
    errorCode: code,
    failReason: `server ${s.name || s.id} is ${s.status} with no task running: Nova did not ${verb} it${fault}`,
  };
}

/** The job of `ref` from one reading of each of its servers, at client time `now`. */
export function deriveJob(jobId: string, ref: NovaJobRef, readings: ServerReading[], now: number): Job {
  const subJobs = readings.map((r) => subJob(jobId, ref, r, now));
  const has = (st: JobStatus) => subJobs.some((x) => x.status === st);
  const status: JobStatus = has('RUNNING') ? 'RUNNING' : has('FAIL') ? 'FAIL' : has('INIT') ? 'INIT' : 'SUCCESS';
  const failed = status === 'FAIL' ? subJobs.find((x) => x.status === 'FAIL') : undefined;
  return {
    jobId,
    status,
    jobType: ref.action,
    beginTime: new Date(ref.requestedAt).toISOString(),
    endTime: status === 'SUCCESS' || status === 'FAIL' ? new Date(now).toISOString() : null,
    errorCode: failed?.errorCode ?? null,
    failReason: failed?.failReason ?? null,
    subJobs,
  };
}
