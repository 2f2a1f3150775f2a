// Stopping and starting one server without waiting long inside an activity (P9), in the two stages of a wait
// (poll.ts). The prompt stage reads the server, asks the cloud to act only when it still needs to (a server
// already moving is left to move; a start only once no disk of the server uploads, P1), and follows it while
// reads fall due within a second. The patient stage reads once per attempt, and hands back to the workflow when
// the server sits idle where it started (ask again) or the job failed. The hold workflow drives the stages and
// counts job failures (src/workflows/power.ts).
import { ApplicationFailure } from '@temporalio/common';
import type { CloudApi, Job, Server } from '../cloud/types';
import { FailureType, type JobFailure, type PowerPending, type PowerSettled, type PowerTarget, type StopType } from '../workflows/api';
import { type PollPolicy, type Reading, readOnce, readPromptly, type Waited } from './poll';
import type { UploadingRead } from './shared-reads';
import { type StepKind, type StepTimes, type StepWatch, watchStep } from './step-times';

// cloud-api.md §4.2: a stop shows ACTIVE + powering-off, a start SHUTOFF + powering-on, until done.
const FROM: Record<PowerTarget, PowerTarget> = { SHUTOFF: 'ACTIVE', ACTIVE: 'SHUTOFF' };

export interface PowerArgs {
  serverId: string;
  target: PowerTarget;
  stopType?: StopType;
  /** The job the prompt stage asked for (patient stage). */
  jobId?: string;
  /** When the wait began: given for the patient stage (poll.ts). */
  since?: number;
}

function inError(s: Server, what: string): ApplicationFailure {
  // Retryable: an ERROR server may be repaired by its owner; the step's deadline bounds the wait.
  return ApplicationFailure.create({
    type: FailureType.JobFailed,
    message: `${what}: server ${s.name} (${s.id}) is in status ERROR${s.fault ? `: ${s.fault.message}` : ''}`,
    nonRetryable: false,
  });
}

/**
 * True when a disk attached to the server is `uploading`: it may not run again yet (P1). Through the worker's
 * shared reads (shared-reads.ts) a server's disks are one listing, not a read each.
 */
export async function attachedDiskUploading(cloud: CloudApi, server: Server, shared?: UploadingRead): Promise<boolean> {
  const read: UploadingRead = shared ?? ((id) => cloud.evs.getVolume(id));
  const volumes = await Promise.all(server.volumesAttached.map((v) => read(v.id)));
  return volumes.some((v) => v?.status === 'uploading');
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

type Seen = { reached: string } | { moving: string } | { jobFailed: JobFailure } | { idle: 'may-act' | 'blocked' };

/**
 * One look at the server (and at the job, or the disks, only when the server is idle where it started). `first`:
 * a start not yet asked for reads the server's disks beside the server, as one listing of the disks `uploading`
 * — it expects the server idle, and a start waits for one round trip to the cloud, not two.
 */
async function look(
  cloud: CloudApi,
  args: PowerArgs,
  jobId: string | undefined,
  what: string,
  shared?: UploadingRead,
  first = false,
): Promise<Seen> {
  const beside = first && args.target === 'ACTIVE' && shared?.on ? shared.on(args.serverId).catch(() => undefined) : undefined;
  const s = await cloud.ecs.getServer(args.serverId);
  if (s.status === args.target && s.taskState === null) return { reached: new Date().toISOString() };
  if (s.status === 'ERROR') throw inError(s, what);
  if (s.taskState !== null) return { moving: `server is ${s.status} (${s.taskState})` };
  const job = jobId ? await cloud.ecs.getJob(jobId) : undefined;
  if (job?.status === 'FAIL') return { jobFailed: describeFailure(job) };
  if (job?.status === 'INIT' || job?.status === 'RUNNING') return { moving: `server is ${s.status}, job ${job.status}` };
  // Anything but the starting state (someone else's doing) is waited out within the step's deadline.
  if (s.status !== FROM[args.target]) return { moving: `server is ${s.status}` };
  // The listing beside the read: unless it failed, it answers for every disk the server has now.
  const uploading = (await beside) ?? (args.target === 'ACTIVE' && (await attachedDiskUploading(cloud, s, shared)));
  if (uploading) return { idle: 'blocked' };
  return { idle: 'may-act' };
}

/**
 * The step a power wait follows (step-times.ts), counted only once this run has asked for it: a stop or start that
 * someone else began (the server found moving) began at a moment this wait does not know, so it is followed by
 * the plain backoff and teaches nothing; nor does a failed job or a server found idle.
 */
function powerStep(
  times: StepTimes | undefined,
  args: PowerArgs,
  asked: () => boolean,
  reached: () => boolean,
  askedAt: () => number | undefined = () => undefined,
): StepWatch | undefined {
  if (!times) return undefined;
  const kind: StepKind = args.target === 'ACTIVE' ? 'start' : args.stopType === 'HARD' ? 'stop-hard' : 'stop-soft';
  const step = watchStep(times, kind);
  return {
    expect: () => (asked() ? step.expect() : undefined),
    ended: (ms, uncertaintyMs) => {
      if (asked() && reached()) step.ended(ms, uncertaintyMs);
    },
    began: askedAt,
  };
}

/** Prompt stage: ask if needed, follow while reads fall due within the stage; then hand over what it asked. */
export async function powerPromptly(
  cloud: CloudApi,
  policy: PollPolicy,
  args: PowerArgs,
  times?: StepTimes,
  shared?: UploadingRead,
): Promise<Waited<PowerSettled, PowerPending>> {
  const what = `${args.target === 'SHUTOFF' ? 'stop' : 'start'} server ${args.serverId}`;
  let jobId = args.jobId;
  // When this stage asked for the stop or start (epoch ms); the step is timed from it.
  let askedAt: number | undefined;
  const requestedAt = () => (askedAt === undefined ? undefined : new Date(askedAt).toISOString());
  let blocked = false;
  let reached = false;
  const step = powerStep(
    times,
    args,
    () => askedAt !== undefined,
    () => reached,
    () => askedAt,
  );
  const waited = await readPromptly<PowerSettled>(
    policy,
    what,
    async (): Promise<Reading<PowerSettled>> => {
      const seen = await look(cloud, args, jobId, what, shared, jobId === undefined);
      reached = 'reached' in seen;
      if ('reached' in seen) return { done: { outcome: 'reached', at: seen.reached, requestedAt: requestedAt() } };
      if ('jobFailed' in seen) return { done: { outcome: 'job-failed', failure: seen.jobFailed, requestedAt: requestedAt() } };
      if ('moving' in seen) return { notYet: seen.moving };
      // A start that an upload blocks hands over at once: that wait is the patient kind (minutes, not seconds).
      blocked = seen.idle === 'blocked';
      if (blocked) return { later: 'a disk of the server is uploading' };
      jobId =
        args.target === 'SHUTOFF'
          ? await cloud.ecs.stopServers([args.serverId], args.stopType ?? 'SOFT')
          : await cloud.ecs.startServers([args.serverId]);
      askedAt ??= Date.now();
      return { notYet: `asked (job ${jobId})` };
    },
    step,
  );
  return 'done' in waited ? waited : { since: waited.since, state: { jobId, requestedAt: requestedAt(), blocked } };
}

/** Patient stage: one read; back to the workflow when there, when the job failed, or when it may ask again. */
export function powerPatiently(
  cloud: CloudApi,
  policy: PollPolicy,
  args: PowerArgs & { since: number },
  times?: StepTimes,
  shared?: UploadingRead,
): Promise<Waited<PowerSettled>> {
  const what = `wait for server ${args.serverId} to be ${args.target}`;
  let reached = false;
  // The prompt stage hands over the job it asked for: then this run began the step.
  const step = powerStep(
    times,
    args,
    () => args.jobId !== undefined,
    () => reached,
  );
  return readOnce<PowerSettled>(
    policy,
    what,
    args.since,
    async () => {
      const seen = await look(cloud, args, args.jobId, what, shared);
      reached = 'reached' in seen;
      if ('reached' in seen) return { done: { outcome: 'reached', at: seen.reached } };
      if ('jobFailed' in seen) return { done: { outcome: 'job-failed', failure: seen.jobFailed } };
      if ('moving' in seen) return { notYet: seen.moving };
      return seen.idle === 'blocked' ? { notYet: 'a disk of the server is uploading' } : { done: { outcome: 'idle' } };
    },
    step,
  );
}

/**
 * A wait for the restart: until no disk attached to the server is `uploading` (P1). Someone else's upload, begun
 * at a moment this wait does not know: nothing to expect, the plain backoff.
 */
export function awaitStartable(
  cloud: CloudApi,
  policy: PollPolicy,
  args: { serverId: string; since?: number },
  shared?: UploadingRead,
): Promise<Waited<{ at: string }>> {
  const what = `wait until no disk of server ${args.serverId} is uploading`;
  const read = async (): Promise<Reading<{ at: string }>> => {
    const s = await cloud.ecs.getServer(args.serverId);
    return (await attachedDiskUploading(cloud, s, shared)) ? { notYet: 'a disk is uploading' } : { done: { at: new Date().toISOString() } };
  };
  return args.since === undefined ? readPromptly(policy, what, read) : readOnce(policy, what, args.since, read);
}
