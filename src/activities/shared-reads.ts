// A fleet's uploads are waited for on one worker at about the same time, and under a saturated API budget each
// read spends most of its life waiting for a token. So the waits of one worker share their reads: while a read
// is on its way, the reads asked for meanwhile gather, and go out as one listing of the disks still `uploading`
// (`?status=uploading`), which the reads asked for before it goes out also join. A read alone is a plain GET.
// Every answer comes from a request sent after it was asked for: no wait sees a state older than its question.
// Each lane of the API budget has its own: a restart's reads never wait in a listing queued in the normal lane.
import type { CallOptions, CloudApi, Volume } from '../cloud/types';
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
  /** A GET's disk; undefined for a listing. */
  volumeId?: string;
  sent: boolean;
}

/** A request not yet sent answers a later ask too: a listing any, a GET one for its disk. */
const joinable = (b: Batch | undefined, volumeId: string) => !!b && !b.sent && (b.volumeId === undefined || b.volumeId === volumeId);

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
      if (joinable(this.current, volumeId)) this.current!.asks.push(ask);
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
      const asks = this.queued.splice(0);
      const ids = new Set(asks.map((a) => a.volumeId));
      const batch: Batch = { asks, volumeId: ids.size === 1 ? asks[0].volumeId : undefined, sent: false };
      this.current = batch;
      const first = asks[0].o;
      const o: CallOptions = {
        // The answer is shared: one asker's cancel must not abort it (each ask stops waiting on its own signal).
        priority: this.priority,
        onAttempt: (op) => {
          batch.sent = true;
          first.onAttempt?.(op);
        },
      };
      try {
        if (batch.volumeId !== undefined) {
          const v = await this.cloud.evs.getVolume(batch.volumeId, o);
          for (const a of batch.asks) a.resolve(v);
        } else {
          const uploading = new Map((await this.cloud.evs.listVolumesIn(UPLOADING, o)).map((v) => [v.id, v]));
          for (const a of batch.asks) a.resolve(uploading.get(a.volumeId));
        }
      } catch (err) {
        if (batch.volumeId !== undefined) for (const a of batch.asks) a.reject(err);
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
const perCloud = new WeakMap<object, Map<Priority, UploadingDisks>>();

export function uploadingDisksFor(cloud: CloudApi, priority?: Priority): UploadingDisks {
  let lanes = perCloud.get(cloud);
  if (!lanes) perCloud.set(cloud, (lanes = new Map()));
  const lane = priority ?? 'normal';
  let u = lanes.get(lane);
  if (!u) lanes.set(lane, (u = new UploadingDisks(cloud, lane)));
  return u;
}
