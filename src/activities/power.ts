// Stopping and starting one server in two short steps, so no activity waits (P9): `requestPower` reads the
// server and asks the cloud to act only if it still needs to (an earlier attempt's job, or someone else's, is
// not repeated: a server already moving is left to move); `awaitPower` is a wait (poll.ts) that ends when the
// server is there, when the job failed, or when the server sits idle where it started (ask again). The hold
// workflow drives the loop and counts job failures (src/workflows/power.ts).
import { ApplicationFailure } from '@temporalio/common';
import type { CloudApi, Job, Server } from '../cloud/types';
import { FailureType, type JobFailure, type PowerRequested, type PowerSettled, type PowerTarget, type StopType } from '../workflows/api';
import { type PollPolicy, readOnce } from './poll';

// cloud-api.md §4.2: a stop shows ACTIVE + powering-off, a start SHUTOFF + powering-on, until done.
const FROM: Record<PowerTarget, PowerTarget> = { SHUTOFF: 'ACTIVE', ACTIVE: 'SHUTOFF' };

const label = (s: Server) => `server ${s.name} (${s.id})`;

function inError(s: Server, what: string): ApplicationFailure {
  // Retryable: an ERROR server may be repaired by its owner; the step's deadline bounds the wait.
  return ApplicationFailure.create({ type: FailureType.JobFailed, message: `${what}: ${label(s)} is in status ERROR${s.fault ? `: ${s.fault.message}` : ''}`, nonRetryable: false });
}

/** True when a disk attached to the server is `uploading`: it may not run again yet (P1). */
export async function attachedDiskUploading(cloud: CloudApi, server: Server): Promise<boolean> {
  const volumes = await Promise.all(server.volumesAttached.map((v) => cloud.evs.getVolume(v.id)));
  return volumes.some((v) => v.status === 'uploading');
}

export async function requestPower(cloud: CloudApi, args: { serverId: string; target: PowerTarget; stopType?: StopType }): Promise<PowerRequested> {
  const what = `${args.target === 'SHUTOFF' ? 'stop' : 'start'} server ${args.serverId}`;
  const s = await cloud.ecs.getServer(args.serverId);
  const now = new Date().toISOString();
  if (s.status === args.target && s.taskState === null) return { outcome: 'there', at: now };
  if (s.status === 'ERROR') throw inError(s, what);
  if (s.status !== FROM[args.target] || s.taskState !== null) return { outcome: 'moving', status: s.status, taskState: s.taskState };
  // Checked right before the request: a server whose disk uploads must stay stopped (P1).
  if (args.target === 'ACTIVE' && (await attachedDiskUploading(cloud, s))) return { outcome: 'blocked' };
  const jobId = args.target === 'SHUTOFF' ? await cloud.ecs.stopServers([s.id], args.stopType ?? 'SOFT') : await cloud.ecs.startServers([s.id]);
  return { outcome: 'requested', jobId, requestedAt: now };
}

function describeFailure(job: Job): JobFailure {
  const failed = job.subJobs.filter((s) => s.status === 'FAIL');
  const first = failed[0] ?? job;
  return {
    jobId: job.jobId,
    errorCode: job.errorCode ?? first.errorCode,
    failReason: job.failReason ?? first.failReason,
    serverIds: failed.map((s) => s.serverId).filter((id): id is string => !!id),
    at: new Date().toISOString(),
  };
}

/** Every read looks at the job (when there is one) and the server, so each costs the same. */
export function awaitPower(cloud: CloudApi, policy: PollPolicy, args: { serverId: string; target: PowerTarget; jobId?: string }): Promise<PowerSettled> {
  const what = `wait for server ${args.serverId} to be ${args.target}`;
  return readOnce<PowerSettled>(policy, what, async () => {
    const [job, s] = await Promise.all([args.jobId ? cloud.ecs.getJob(args.jobId) : undefined, cloud.ecs.getServer(args.serverId)]);
    if (s.status === args.target && s.taskState === null) return { done: { outcome: 'reached', at: new Date().toISOString() } };
    if (job?.status === 'FAIL') return { done: { outcome: 'job-failed', failure: describeFailure(job) } };
    if (s.status === 'ERROR') throw inError(s, what);
    const jobRunning = job?.status === 'INIT' || job?.status === 'RUNNING';
    if (!jobRunning && s.status === FROM[args.target] && s.taskState === null) return { done: { outcome: 'idle' } };
    return { notYet: `server is ${s.status}${s.taskState ? ` (${s.taskState})` : ''}${job ? `, job ${job.status}` : ''}` };
  });
}

/** A wait for the restart: until no disk attached to the server is `uploading` (P1). */
export function awaitStartable(cloud: CloudApi, policy: PollPolicy, args: { serverId: string }): Promise<{ at: string }> {
  return readOnce<{ at: string }>(policy, `wait until no disk of server ${args.serverId} is uploading`, async () => {
    const s = await cloud.ecs.getServer(args.serverId);
    return (await attachedDiskUploading(cloud, s)) ? { notYet: 'a disk is uploading' } : { done: { at: new Date().toISOString() } };
  });
}
