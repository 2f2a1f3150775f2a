// ECS wire bodies: server detail (cloud-api.md §4.1) and job (§4.4).
// Not rendered: flavor details beyond id/name, addresses, security_groups, key_name, OS-EXT-SRV-ATTR:* other
// than root_device_name, enterprise_project_id, sys_tags values, description, hypervisor fields, metadata
// beyond os_type and charging_mode (e.g. `metering.image_id`, `image_name`).
import { jobEnd, jobStatus } from '../model/jobs';
import type { JobRec, ServerRec } from '../model/records';
import { deriveServerStatus } from '../model/server-status';
import type { World } from '../model/world';
import { millisZ, secondsZ } from '../time';

/** Every simulated server has this flavor. */
export const FLAVOR = 's3.medium.2';

export function renderServer(w: World, s: ServerRec): Record<string, unknown> {
  const attached = w.volumesOf(s.id).flatMap((v) =>
    v.attachments
      .filter((a) => a.serverId === s.id)
      // [GUESS] bootIndex "0" marks the system disk; data disks are rendered "-1".
      .map((a) => ({
        id: v.id,
        delete_on_termination: 'false',
        device: a.device,
        bootIndex: v.bootable && a.device === '/dev/vda' ? '0' : '-1',
      })),
  );
  return {
    id: s.id,
    name: s.name,
    status: deriveServerStatus(s.vmState, s.taskState),
    progress: 0,
    updated: secondsZ(s.updated),
    created: secondsZ(s.created),
    locked: s.locked,
    fault:
      s.vmState === 'error' ? { message: 'The server failed (simulated).', code: 500, details: '', created: secondsZ(s.updated) } : null,
    tenant_id: w.account.projectId,
    user_id: w.account.userId,
    hostId: '',
    flavor: { id: FLAVOR, name: FLAVOR },
    // ECS: `{id}` of the boot image; "left blank" (Nova: "") for a server that boots from a disk (cloud-api.md §4.1).
    image: s.imageId === null ? '' : { id: s.imageId },
    metadata: { os_type: 'Linux', charging_mode: '0' },
    'os-extended-volumes:volumes_attached': attached,
    'OS-EXT-STS:vm_state': s.vmState,
    'OS-EXT-STS:task_state': s.taskState,
    'OS-EXT-STS:power_state': s.powerState,
    'OS-EXT-AZ:availability_zone': 'eu-de-01',
    'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
    host_status: 'UP',
    tags: [],
    sys_tags: [],
  };
}

// [GUESS] cloud-api.md §8.3: the batch job types are not documented; these follow createServer/createSingleServer.
const JOB_TYPE = { stop: ['batchStopServers', 'stopSingleServer'], start: ['batchStartServers', 'startSingleServer'] } as const;

export function renderJob(w: World, job: JobRec): Record<string, unknown> {
  const status = jobStatus(w, job);
  const init = status === 'INIT';
  const [type, subType] = JOB_TYPE[job.action];
  const end = jobEnd(job);
  const failed = job.subJobs.find((s) => s.status === 'FAIL');
  return {
    status,
    entities: {
      sub_jobs_total: job.subJobs.length,
      sub_jobs: job.subJobs.map((s) => ({
        status: init ? 'INIT' : s.status,
        entities: { server_id: s.serverId, ...(!init && s.status === 'FAIL' ? { errorcode_message: s.failReason } : {}) },
        job_id: s.id,
        job_type: subType,
        begin_time: millisZ(s.begin),
        end_time: !init && s.end !== null ? millisZ(s.end) : '',
        error_code: init ? null : s.errorCode,
        fail_reason: init ? null : s.failReason,
      })),
    },
    job_id: job.id,
    job_type: type,
    begin_time: millisZ(job.begin),
    end_time: !init && end !== null ? millisZ(end) : '',
    error_code: status === 'FAIL' ? (failed?.errorCode ?? null) : null,
    fail_reason: status === 'FAIL' ? (failed?.failReason ?? null) : null,
  };
}
