// A fleet's uploads are waited for on one worker at about the same time, and under a saturated API budget each
// read spends most of its life waiting for a token. So the waits of one worker share their reads: a request takes
// its token first and decides what to send only then — the reads asked for while it waited go out with it, as one
// listing of the disks still `uploading` (`?status=uploading`); a read alone is a plain GET. Reads asked while a
// request is on its way gather for the next. Every answer comes from a request sent after it was asked for: no
// wait sees a state older than its question.
// Each lane of the API budget has its own: a restart's reads never wait in a listing queued in the normal lane.
import type { CallOptions, CloudApi, Server, Volume } from '../cloud/types';
import { raceAbort } from '../cloud/http';
import type { Priority } from '../cloud/ratelimit';

const UPLOADING = 'uploading';

interface Ask {
  volumeId: string;
  o: CallOptions;
  resolve(v: Volume | undefined): void;
  reject(err: unknown): void;
}

interface Batch {
  asks: Ask[];
  /** Its token came: what it sends is decided. */
  sent: boolean;
}

/** A wait's read of a disk: the disk, or undefined when a listing showed it no longer `uploading`. */
export type UploadingRead = (volumeId: string) => Promise<Volume | undefined>;

export class UploadingDisks {
  private queued: Ask[] = [];
  private current?: Batch;
  private flushing = false;

  constructor(
    private readonly cloud: CloudApi,
    /** The lane of every request (ratelimit.ts); undefined: the normal one. */
    private readonly priority?: Priority,
  ) {}

  /**
   * The disk as a read begun after this call found it; `undefined` when a listing of the disks in `uploading`
   * did not have it — it has left `uploading`, and the caller reads it by id to learn how.
   */
  read(volumeId: string, o: CallOptions = {}): Promise<Volume | undefined> {
    o.signal?.throwIfAborted();
    return new Promise<Volume | undefined>((resolve, reject) => {
      const ask: Ask = { volumeId, o, resolve, reject };
      const onAbort = () => {
        this.queued = this.queued.filter((a) => a !== ask);
        reject(o.signal!.reason);
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(f: (x: T) => void) =>
        (x: T) => {
          o.signal?.removeEventListener('abort', onAbort);
          f(x);
        };
      ask.resolve = settle(resolve);
      ask.reject = settle(reject);
      if (this.current && !this.current.sent) this.current.asks.push(ask);
      else {
        this.queued.push(ask);
        if (!this.flushing) {
          this.flushing = true;
          // The reads asked for in this turn (a server's disks, read together) go out as one.
          queueMicrotask(() => void this.flush());
        }
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queued.length > 0) {
      const batch: Batch = { asks: this.queued.splice(0), sent: false };
      this.current = batch;
      let one: string | undefined;
      try {
        // What to send is decided once it may go out: every read asked while it waited for its token joins it.
        await this.cloud.budget().take(undefined, this.priority);
        batch.sent = true;
        const asks = batch.asks.filter((a) => !a.o.signal?.aborted);
        if (asks.length === 0) continue;
        const ids = new Set(asks.map((a) => a.volumeId));
        one = ids.size === 1 ? asks[0].volumeId : undefined;
        // The answer is shared: one asker's cancel must not abort it (each ask stops waiting on its own signal).
        const o: CallOptions = { priority: this.priority, prepaid: true, onAttempt: (op) => asks[0].o.onAttempt?.(op) };
        if (one !== undefined) {
          const v = await this.cloud.evs.getVolume(one, o);
          for (const a of asks) a.resolve(v);
        } else {
          const uploading = new Map((await this.cloud.evs.listVolumesIn(UPLOADING, o)).map((v) => [v.id, v]));
          for (const a of asks) a.resolve(uploading.get(a.volumeId));
        }
      } catch (err) {
        if (one !== undefined || !batch.sent) for (const a of batch.asks) a.reject(err);
        // A listing may fail where reads by id do not (a page's marker that left the status between two pages):
        // each ask reads its own disk instead, with its own options.
        else
          for (const a of batch.asks) this.cloud.evs.getVolume(a.volumeId, { ...a.o, priority: this.priority }).then(a.resolve, a.reject);
      } finally {
        this.current = undefined;
      }
    }
    this.flushing = false;
  }
}

// One per cloud client and lane, like the step times: the worker's main and urgent activities share them.
function perLane<T>(
  registry: WeakMap<object, Map<Priority, T>>,
  cloud: CloudApi,
  priority: Priority | undefined,
  make: (lane: Priority) => T,
): T {
  let lanes = registry.get(cloud);
  if (!lanes) registry.set(cloud, (lanes = new Map()));
  const lane = priority ?? 'normal';
  let x = lanes.get(lane);
  if (x === undefined) lanes.set(lane, (x = make(lane)));
  return x;
}

const uploadingDisks = new WeakMap<object, Map<Priority, UploadingDisks>>();

export function uploadingDisksFor(cloud: CloudApi, priority?: Priority): UploadingDisks {
  return perLane(uploadingDisks, cloud, priority, (lane) => new UploadingDisks(cloud, lane));
}

/**
 * GETs of one resource by id, joined by the same rule: a GET asked for while another of the same resource waits
 * for its token (in the same lane) takes that one's answer. The plans of a fleet's exports read the same few
 * servers at once; under a saturated budget they are one read per server rather than one per plan.
 */
export class JoinedGets<T> {
  private readonly unsent = new Map<string, Promise<T>>();

  constructor(
    private readonly get: (id: string, o: CallOptions) => Promise<T>,
    private readonly priority?: Priority,
  ) {}

  read(id: string, o: CallOptions = {}): Promise<T> {
    o.signal?.throwIfAborted();
    let answer = this.unsent.get(id);
    if (!answer) {
      const sent = () => {
        if (this.unsent.get(id) === answer) this.unsent.delete(id);
      };
      // The answer is shared: one asker's cancel must not abort it; the first asker counts its cost.
      answer = this.get(id, {
        priority: this.priority,
        onAttempt: (op) => {
          sent();
          o.onAttempt?.(op);
        },
      });
      this.unsent.set(id, answer);
      answer.then(sent, sent);
    }
    return raceAbort(answer, o.signal);
  }
}

const serverGets = new WeakMap<object, Map<Priority, JoinedGets<Server>>>();

/** The worker's joined server reads in one lane. */
export function serverGetsFor(cloud: CloudApi, priority?: Priority): JoinedGets<Server> {
  return perLane(serverGets, cloud, priority, (lane) => new JoinedGets((id, o) => cloud.ecs.getServer(id, o), lane));
}
