// What every activity shares: the worker's dependencies, and the wrapper that gives an activity its view of the
// cloud — with the activity's cancellation signal, its lane in the API budget and a counter of its calls — and
// turns any error into a Temporal failure (failures.ts).
import { setMaxListeners } from 'node:events';
import { activityInfo, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Priority as TemporalPriority } from '@temporalio/common';
import type { Priority } from '../cloud/ratelimit';
import type { CallOptions, CloudApi } from '../cloud/types';
import type { CallCounts } from '../workflows/api';
import { toFailure } from './failures';
import { keepAlive } from './heartbeat';
import { type HoldDeps, holdsUnavailable } from './holds';
import { DEFAULT_POLL, type PollPolicy, type Waited } from './poll';
import { imageFindsFor, serverGetsFor, uploadingDisksFor, type UploadingRead, volumeGetsFor } from './shared-reads';
import { type StepKind, type StepTimes, stepTimesFor, type StepWatch, watchStep } from './step-times';

export interface ActivityDeps {
  cloud: CloudApi;
  /** Temporal client for the per-server holds (the worker's own connection). */
  client?: Client;
  /** How often a server hold checks that its holders still run; default 30 s. */
  holdLivenessMs?: number;
  /** Poll pace of waits, and what steps take before the worker has seen any; tests and benchmarks shorten both. */
  poll?: Partial<PollPolicy>;
  /** Lane of these activities' calls in the API budget: `urgent` for the restart queue's worker. */
  priority?: Priority;
  /** Runs planned here take an admission before they stop a server nobody holds (EVS_EXPORT_ADMISSION). */
  admission?: boolean;
}

/**
 * The lane of an activity's reads follows its Temporal priority key (workflows/activity-options.ts): 1–2, a
 * stopped server waits for it (urgent); 4–5, nothing does (background); else normal.
 */
export function laneOf(p: TemporalPriority | undefined): Priority | undefined {
  const key = p?.priorityKey;
  // 0: the server's empty Priority message, i.e. the default.
  if (key === undefined || key === 0 || key === 3) return undefined;
  return key < 3 ? 'urgent' : 'background';
}

export type Counted<T> = T & { apiCalls: CallCounts };

export class ActivityScope {
  readonly policy: PollPolicy;
  /** What the waits expect of each step: one estimator per worker and cloud (step-times.ts), shared by every activity. */
  readonly times: StepTimes;

  constructor(readonly deps: ActivityDeps) {
    this.policy = { ...DEFAULT_POLL, ...deps.poll };
    this.times = stepTimesFor(deps.cloud, this.policy.expected);
  }

  /** A wait's view of its step: expected from, and teaching, the worker's estimator. */
  step(kind: StepKind, sizeGb?: () => number | undefined): StepWatch {
    return watchStep(this.times, kind, sizeGb);
  }

  /** The worker's Temporal client (holds, schedules); a worker without one cannot do these steps. */
  temporalClient(): Client {
    if (!this.deps.client) throw holdsUnavailable();
    return this.deps.client;
  }

  holdDeps(): HoldDeps {
    if (!this.deps.client) throw holdsUnavailable();
    return { client: this.deps.client, livenessCheckMs: this.deps.holdLivenessMs };
  }

  /** Runs one activity's work with its cloud view; `what` names the step in any failure. */
  async counted<T extends object>(what: string, fn: (c: CloudApi, o: CallOptions) => Promise<T>): Promise<Counted<T>> {
    const apiCalls: CallCounts = {};
    const signal = Context.current().cancellationSignal;
    // Many parallel requests of one activity each listen for its cancellation.
    setMaxListeners(100, signal);
    const o: CallOptions = {
      signal,
      priority: this.deps.priority ?? laneOf(activityInfo().priority),
      onAttempt: (op) => (apiCalls[op] = (apiCalls[op] ?? 0) + 1),
    };
    try {
      return { ...(await keepAlive(() => fn(this.view(o), o))), apiCalls };
    } catch (err) {
      throw toFailure(err, what);
    }
  }

  /** The cloud as an activity sees it: its options on every call; its server, disk and image-name reads gathered with the worker's others. */
  private view(o: CallOptions): CloudApi {
    const cloud = this.deps.cloud;
    const c = cloud.withOptions(o);
    // A call may name its own lane (export.ts: the GET after the upload's end is urgent).
    const lane = (more?: CallOptions) => more?.priority ?? o.priority;
    return {
      ...c,
      ecs: { ...c.ecs, getServer: (id, more) => serverGetsFor(cloud, lane(more)).read(id, { ...o, ...more }) },
      evs: { ...c.evs, getVolume: (id, more) => volumeGetsFor(cloud, lane(more)).read(id, { ...o, ...more }) },
      ims: {
        ...c.ims,
        findImages: (f, more) =>
          f.owner && f.name ? imageFindsFor(cloud, f.owner, lane(more)).read(f.name, { ...o, ...more }) : c.ims.findImages(f, more),
      },
    };
  }

  /** This activity's reads of disks in `uploading`, shared with the worker's other waits in its lane. */
  uploadingRead(o: CallOptions): UploadingRead {
    const shared = uploadingDisksFor(this.deps.cloud, o.priority);
    return Object.assign((volumeId: string) => shared.read(volumeId, o), { on: (serverId: string) => shared.uploadingOn(serverId, o) });
  }

  /**
   * A wait stage (poll.ts). In the patient stage every read but the last failed with NotReady and reported
   * nothing: each made the calls the last one made, so they count as attempts × those — but for a first attempt
   * that waited out the gap left by the prompt stage without reading.
   */
  async waited<T, S = never>(
    what: string,
    since: number | undefined,
    fn: (c: CloudApi, o: CallOptions) => Promise<Waited<T, S>>,
  ): Promise<Counted<{ waited: Waited<T, S> }>> {
    const r = await this.counted(what, async (c, o) => ({ waited: await fn(c, o) }));
    let reads = since === undefined ? 1 : activityInfo().attempt;
    if ('firstDeferred' in r.waited) {
      reads--;
      delete r.waited.firstDeferred;
    }
    for (const op of Object.keys(r.apiCalls)) r.apiCalls[op] *= reads;
    return r;
  }
}
