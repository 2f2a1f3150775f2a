// A fleet's uploads are waited for on one worker at about the same time, and under a saturated API budget each
// read spends most of its life waiting for a token. So the waits of one worker share their reads: a request takes
// its token first and decides what to send only then — the reads asked for while it waited go out with it, as one
// listing of the disks still `uploading` (`?status=uploading`); a read alone is a plain GET. Reads asked while a
// request is on its way gather for the next. Every answer comes from a request sent after it was asked for: no
// wait sees a state older than its question.
// Each lane of the API budget has its own: a restart's reads never wait in a listing queued in the normal lane.
import type { CallOptions, CloudApi, Image, Server, Volume } from '../cloud/types';
import type { Priority } from '../cloud/ratelimit';

const UPLOADING = 'uploading';

/** What a request answered: the one disk it read by id, or the disks the listing showed `uploading`. */
type Answer = { one: Volume } | { listed: Volume[] };

interface Ask {
  /** A disk's read; absent: a question about a server's disks, which only a listing answers. */
  volumeId?: string;
  o: CallOptions;
  resolve(a: Answer): void;
  reject(err: unknown): void;
}

interface Batch {
  asks: Ask[];
  /** Its token came: what it sends is decided. */
  sent: boolean;
}

/** A wait's read of a disk: the disk, or undefined when a listing showed it no longer `uploading`. */
export type UploadingRead = ((volumeId: string) => Promise<Volume | undefined>) & {
  /** Whether a disk attached to the server is `uploading`, from one listing (UploadingDisks.uploadingOn). */
  on?: (serverId: string) => Promise<boolean>;
};

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
  async read(volumeId: string, o: CallOptions = {}): Promise<Volume | undefined> {
    const a = await this.ask(volumeId, o);
    return 'one' in a ? a.one : a.listed.find((v) => v.id === volumeId);
  }

  /**
   * Whether a disk attached to this server is `uploading` (P1), from a listing sent after this call: the restart's
   * look reads it beside the server, rather than the server first and its disks after.
   */
  async uploadingOn(serverId: string, o: CallOptions = {}): Promise<boolean> {
    const a = await this.ask(undefined, o);
    return 'listed' in a && a.listed.some((v) => v.attachments.some((x) => x.serverId === serverId));
  }

  private ask(volumeId: string | undefined, o: CallOptions): Promise<Answer> {
    o.signal?.throwIfAborted();
    return new Promise<Answer>((resolve, reject) => {
      const ask: Ask = { volumeId, o, ...untilAborted(o, resolve, reject, () => (this.queued = this.queued.filter((a) => a !== ask))) };
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
          for (const a of asks) a.resolve({ one: v });
        } else {
          const listed = await this.cloud.evs.listVolumesIn(UPLOADING, o);
          for (const a of asks) a.resolve({ listed });
        }
      } catch (err) {
        if (one !== undefined || !batch.sent) for (const a of batch.asks) a.reject(err);
        // A listing may fail where reads by id do not (a page's marker that left the status between two pages):
        // each ask reads its own disk instead, with its own options; a question about a server fails.
        else
          for (const a of batch.asks) {
            if (a.volumeId === undefined) a.reject(err);
            else this.cloud.evs.getVolume(a.volumeId, { ...a.o, priority: this.priority }).then((v) => a.resolve({ one: v }), a.reject);
          }
      } finally {
        this.current = undefined;
      }
    }
    this.flushing = false;
  }
}

// One per cloud client and lane, like the step times: the worker's main and urgent activities share them.
function perLane<T>(
  registry: WeakMap<object, Map<string, T>>,
  cloud: CloudApi,
  priority: Priority | undefined,
  make: (lane: Priority) => T,
  /** What else sets one apart (an image owner). */
  also = '',
): T {
  let lanes = registry.get(cloud);
  if (!lanes) registry.set(cloud, (lanes = new Map()));
  const lane = priority ?? 'normal';
  const key = `${lane} ${also}`;
  let x = lanes.get(key);
  if (x === undefined) lanes.set(key, (x = make(lane)));
  return x;
}

const uploadingDisks = new WeakMap<object, Map<string, UploadingDisks>>();

export function uploadingDisksFor(cloud: CloudApi, priority?: Priority): UploadingDisks {
  return perLane(uploadingDisks, cloud, priority, (lane) => new UploadingDisks(cloud, lane));
}

/** A read's settlers that stop listening to its signal; an abort first takes it out of its batch (`leave`), then rejects. */
function untilAborted<T>(o: CallOptions, resolve: (x: T) => void, reject: (err: unknown) => void, leave: () => void) {
  const onAbort = () => {
    leave();
    reject(o.signal!.reason);
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const settle =
    <X>(f: (x: X) => void) =>
    (x: X) => {
      o.signal?.removeEventListener('abort', onAbort);
      f(x);
    };
  return { resolve: settle(resolve), reject: settle(reject) };
}

interface Gathered<T> {
  key: string;
  o: CallOptions;
  resolve(x: T): void;
  reject(err: unknown): void;
}

/** What one listing answered: a key's answer, or undefined when the listing lacks it (read it alone). */
type Listed<T> = (key: string) => T | undefined;

/**
 * Reads of one kind, by key, gathered by the same rule: a read waiting for its token takes along every read asked
 * meanwhile (in the same lane). The same key: that request's answer. Other ones too: when the token came only
 * after a wait (the budget is saturated) and more keys are asked than the last listing had pages, one listing
 * answers them all. A fleet's plans read the same few servers, many disks and many image names at once, and the
 * holds poll several servers through their stops and starts: under a saturated budget those are a request per
 * moment, not one per key — the tokens go to the plans and the exports. A key the listing lacks (a resource
 * deleted, or moved between its pages) is read alone, as is every one when the listing fails. Unsaturated,
 * nothing changes: a read per key, side by side.
 */
export class GatheredReads<T> {
  private open?: Gathered<T>[];
  /** Requests the last listing took (its pages): a listing pays off only for more keys than that. */
  private listingCost = 1;

  constructor(
    private readonly cloud: CloudApi,
    private readonly get: (key: string, o: CallOptions) => Promise<T>,
    private readonly list: (o: CallOptions) => Promise<Listed<T>>,
    /** The lane of every request (ratelimit.ts); undefined: the normal one. */
    private readonly priority?: Priority,
  ) {}

  read(key: string, o: CallOptions = {}): Promise<T> {
    o.signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      let batch = this.open;
      if (!batch) {
        batch = this.open = [];
        const mine = batch;
        // The reads asked for in this turn go out together.
        queueMicrotask(() => void this.send(mine));
      }
      const asks = batch;
      const ask: Gathered<T> = {
        key,
        o,
        ...untilAborted(o, resolve, reject, () => {
          const i = asks.indexOf(ask);
          if (i >= 0) asks.splice(i, 1);
        }),
      };
      asks.push(ask);
    });
  }

  private async send(asks: Gathered<T>[]): Promise<void> {
    let waited: boolean;
    try {
      waited = await this.cloud.budget().take(undefined, this.priority);
    } catch (err) {
      for (const a of asks.splice(0)) a.reject(err);
      return;
    } finally {
      // Its token came: what it sends is decided; reads asked from now on wait for a request of their own.
      if (this.open === asks) this.open = undefined;
    }
    const byKey = new Map<string, Gathered<T>[]>();
    for (const a of asks.splice(0)) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a]);
    if (byKey.size === 0) return;
    if (waited && byKey.size > this.listingCost) return this.sendListing(byKey);
    let prepaid = true;
    for (const [key, group] of byKey) {
      this.answer(group, this.get(key, this.shared(group, prepaid)));
      prepaid = false;
    }
  }

  private async sendListing(byKey: Map<string, Gathered<T>[]>): Promise<void> {
    const first = [...byKey.values()][0];
    let cost = 0;
    let listed: Listed<T>;
    try {
      const o = this.shared(first, true);
      listed = await this.list({
        ...o,
        onAttempt: (op) => {
          cost++;
          o.onAttempt?.(op);
        },
      });
      this.listingCost = Math.max(1, cost);
    } catch {
      listed = () => undefined;
    }
    for (const [key, group] of byKey) {
      const x = listed(key);
      this.answer(group, x !== undefined ? Promise.resolve(x) : this.get(key, this.shared(group, false)));
    }
  }

  /** A request whose answer several asks share: one asker's cancel must not abort it; the first asker counts it. */
  private shared(group: Gathered<T>[], prepaid: boolean): CallOptions {
    return { priority: this.priority, prepaid, onAttempt: (op) => group[0].o.onAttempt?.(op) };
  }

  private answer(group: Gathered<T>[], answer: Promise<T>): void {
    answer.then(
      (x) => group.forEach((a) => a.resolve(x)),
      (err) => group.forEach((a) => a.reject(err)),
    );
  }
}

/** A listing's items by id. */
const byId =
  <T extends { id: string }>(list: (o: CallOptions) => Promise<T[]>) =>
  async (o: CallOptions): Promise<Listed<T>> => {
    const items = new Map((await list(o)).map((x) => [x.id, x]));
    return (id) => items.get(id);
  };

const serverGets = new WeakMap<object, Map<string, GatheredReads<Server>>>();
const volumeGets = new WeakMap<object, Map<string, GatheredReads<Volume>>>();
const imageFinds = new WeakMap<object, Map<string, GatheredReads<Image[]>>>();

/** The worker's gathered server reads in one lane. */
export const serverGetsFor = (cloud: CloudApi, priority?: Priority): GatheredReads<Server> =>
  perLane(serverGets, cloud, priority, (lane) => new GatheredReads(cloud, cloud.ecs.getServer, byId(cloud.ecs.listServers), lane));

/** The worker's gathered disk reads in one lane. */
export const volumeGetsFor = (cloud: CloudApi, priority?: Priority): GatheredReads<Volume> =>
  perLane(volumeGets, cloud, priority, (lane) => new GatheredReads(cloud, cloud.evs.getVolume, byId(cloud.evs.listVolumes), lane));

/**
 * The worker's gathered lookups of the owner's images by name, in one lane: gathered, one listing of every image
 * the owner has answers every name — a name it lacks has no image (§5.2, §5.6).
 */
export const imageFindsFor = (cloud: CloudApi, owner: string, priority?: Priority): GatheredReads<Image[]> =>
  perLane(
    imageFinds,
    cloud,
    priority,
    (lane) =>
      new GatheredReads(
        cloud,
        (name, o) => cloud.ims.findImages({ name, owner }, o),
        async (o) => {
          const all = await cloud.ims.listOwnImages(owner, o);
          return (name) => all.filter((i) => i.name === name);
        },
        lane,
      ),
    owner,
  );
