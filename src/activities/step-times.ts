// What this worker expects each step of the cloud to take (issue 14): how long a stop, a start, an upload, an
// image, a snapshot, a disk copy or a delete lasts on THIS cloud, learned from what its waits have seen. The poll
// schedule (poll.ts `pollDelay`) reads sparsely until a step is expected to end and densely from shortly before.
//
// One estimator per worker and cloud account: `stepTimesFor(cloud, …)` keeps it beside the worker's cloud client,
// so the main and the urgent task queue's activities (two `createActivities` calls on one client) learn together.
//
// Per kind of step it keeps exponentially weighted moving averages (weight ALPHA for the newest observation):
// - of the duration — for an upload or a copy, of (size, duration) pairs, from which it fits base + per-GB time,
//   so a 1000 GB upload is expected from what 10 and 100 GB ones took;
// - of the relative spread |observed − expected| / expected, which sets the window of dense reads (K × spread
//   on either side; ±20 % until it has been learned).
// Until the first observation the documented defaults hold (src/workflows/estimates.ts EXPECTED, which the plan
// shows as expected downtime; the steps no server waits for have guesses here). The first observation replaces
// them; from the second on, the expectation counts as learned (the schedule then trusts it for long gaps between
// reads). Later ones move the average, except that
// - an end before the window resets the average to it: a step faster than expected would otherwise be noticed
//   late, wait after wait, while a step slower than expected costs only some reads;
// - an observation is counted at most twice the expected duration, so one stuck step does not make every
//   following one be read sparsely past its end;
// - each observation comes with its uncertainty u (half the gap between the wait's last "not yet" and the read
//   that saw the end): the spread counts only the distance beyond u/2, the reads' average share of it (how much
//   the step varies, not how coarsely it was read), and an observation far more precise than a coarse average
//   replaces it, so a first step read coarsely (under the defaults, or the plain backoff) does not skew the
//   expectation for many steps after.
import { EXPECTED } from '../workflows/estimates';

export type StepKind = 'stop-soft' | 'stop-hard' | 'start' | 'upload' | 'image' | 'snapshot' | 'copy' | 'delete';

/** What each step takes before this worker has seen one (ms; per GB for uploads and copies). */
export interface StepDefaults {
  stopSoftMs: number;
  stopHardMs: number;
  startMs: number;
  uploadBaseMs: number;
  uploadMsPerGb: number;
  imageMs: number;
  snapshotMs: number;
  copyBaseMs: number;
  copyMsPerGb: number;
  deleteMs: number;
}

export const DEFAULT_STEP_TIMES: StepDefaults = {
  stopSoftMs: EXPECTED.stopMs.SOFT,
  stopHardMs: EXPECTED.stopMs.HARD,
  startMs: EXPECTED.startMs,
  uploadBaseMs: EXPECTED.uploadBaseMs,
  uploadMsPerGb: EXPECTED.uploadMsPerGb,
  snapshotMs: EXPECTED.snapshotMs,
  // Not in the plan's estimates (no server waits for them): guesses, replaced by the first observation.
  imageMs: 30_000,
  copyBaseMs: 30_000,
  copyMsPerGb: 2_000,
  deleteMs: 10_000,
};

/** When a wait expects its step to end, counted from the wait's start (`since`, poll.ts). */
export interface Expectation {
  endMs: number;
  /** Dense reads begin this long before `endMs`. */
  marginMs: number;
  /**
   * True once this worker has seen two steps of the kind, and not only coarsely (between reads far apart):
   * before, `endMs` is the documented default or one observation (which may have been seen late), and the
   * schedule does not trust it for long gaps (poll.ts).
   */
  learned: boolean;
}

/** Weight of the newest observation in every average. */
export const ALPHA = 0.3;
/** Observations before an expectation counts as learned. */
export const CONFIRMED = 2;
/** The window is K × the learned relative spread on either side of the expected end ... */
export const K = 3;
/** ... ±20 % until a spread has been learned ... */
export const DEFAULT_WINDOW = 0.2;
/** ... at least ±5 %, at most −90 %. */
const MIN_WINDOW = 0.05;
const MAX_WINDOW = 0.9;
/** An observation counts at most this many times the expected duration. */
const MAX_OVER = 2;
/**
 * An average more uncertain than COARSE (relative: its observations were read far apart) is replaced by an
 * observation at least twice as sharp. Only a coarse one: uploads of sizes far apart differ in sharpness too, and
 * replacing would lose the base + per-GB fit.
 */
const COARSE = 0.25;
const SHARPER = 0.5;
/** Sizes this far apart (coefficient of variation) tell base and per-GB time apart; closer ones only scale both. */
const SIZES_APART = 0.25;
/** Extra window per e-fold between the size expected and the sizes seen, up to EXTRAPOLATION_MAX. */
const EXTRAPOLATION = 0.2;
const EXTRAPOLATION_MAX = 0.5;

interface Prior {
  baseMs: number;
  perGbMs: number;
}

/** One kind's averages: weight w, and the weighted sums of size x, duration y, x², x·y (means are sum / w). */
class Track {
  n = 0;
  w = 0;
  x = 0;
  y = 0;
  xx = 0;
  xy = 0;
  spread = DEFAULT_WINDOW / K;
  /** Relative uncertainty of the average: the observations', averaged as they are. */
  blur = 0;

  constructor(private readonly prior: Prior) {}

  private get sized(): boolean {
    return this.prior.perGbMs > 0;
  }

  /** base + per-GB time: fitted where the sizes seen differ enough, else the prior's shape scaled to what was seen. */
  private model(): Prior {
    if (this.n === 0) return this.prior;
    const mx = this.x / this.w;
    const my = this.y / this.w;
    if (!this.sized) return { baseMs: my, perGbMs: 0 };
    const vx = this.xx / this.w - mx * mx;
    if (vx > (SIZES_APART * mx) ** 2) {
      const perGbMs = (this.xy / this.w - mx * my) / vx;
      const baseMs = my - perGbMs * mx;
      if (perGbMs < 0) return { baseMs: my, perGbMs: 0 };
      if (baseMs < 0) return { baseMs: 0, perGbMs: my / mx };
      return { baseMs, perGbMs };
    }
    const scale = my / (this.prior.baseMs + this.prior.perGbMs * mx);
    return { baseMs: this.prior.baseMs * scale, perGbMs: this.prior.perGbMs * scale };
  }

  expect(sizeGb: number | undefined): Expectation {
    // Coarse observations (ends seen between reads far apart) do not make an expectation trusted, however many.
    const learned = this.n >= CONFIRMED && this.blur <= COARSE;
    const seen = this.n > 0;
    // A size not known yet (a copy before its first read): the average duration seen, or the prior at 1 GB.
    const size = this.sized ? sizeGb : 0;
    let endMs: number;
    if (size === undefined) endMs = seen ? this.y / this.w : this.prior.baseMs + this.prior.perGbMs;
    else {
      const m = this.model();
      endMs = m.baseMs + m.perGbMs * Math.max(1, size);
    }
    let window = learned ? Math.max(MIN_WINDOW, K * this.spread) : DEFAULT_WINDOW;
    if (seen && this.sized && size !== undefined) {
      const sizes = this.x / this.w;
      window += Math.min(EXTRAPOLATION_MAX, EXTRAPOLATION * Math.abs(Math.log(Math.max(1, size) / sizes)));
    }
    return { endMs: Math.round(endMs), marginMs: Math.round(endMs * Math.min(MAX_WINDOW, window)), learned };
  }

  /** A step seen ending `ms` after its wait began, give or take `uncertaintyMs`. */
  observe(ms: number, sizeGb: number | undefined, uncertaintyMs: number): void {
    if (this.sized && sizeGb === undefined) return;
    const x = this.sized ? Math.max(1, sizeGb!) : 0;
    const blur = ms > 0 ? Math.min(1, uncertaintyMs / ms) : 0;
    if (this.n === 0) {
      this.reset(x, ms, blur);
      return;
    }
    const e = this.expect(x);
    const early = ms < e.endMs - e.marginMs;
    // The spread is learned from learned expectations only: an observation's distance from a default, or from one
    // first observation that may have been seen late, says nothing about how much the step varies.
    if (e.learned && e.endMs > 0) {
      // An end seen somewhere within ±u of the observation is off by u/2 on average: that much is the reads' doing.
      const off = Math.max(0, Math.abs(ms - e.endMs) - uncertaintyMs / 2) / e.endMs;
      this.spread += ALPHA * (Math.min(1, off) - this.spread);
    }
    if (early || (this.blur > COARSE && blur < SHARPER * this.blur)) {
      this.reset(x, ms, blur);
      return;
    }
    const y = Math.min(ms, MAX_OVER * e.endMs);
    const keep = 1 - ALPHA;
    this.blur = keep * this.blur + ALPHA * blur;
    this.w = keep * this.w + ALPHA;
    this.x = keep * this.x + ALPHA * x;
    this.y = keep * this.y + ALPHA * y;
    this.xx = keep * this.xx + ALPHA * x * x;
    this.xy = keep * this.xy + ALPHA * x * y;
    this.n++;
  }

  private reset(x: number, y: number, blur: number): void {
    this.blur = blur;
    this.w = 1;
    this.x = x;
    this.y = y;
    this.xx = x * x;
    this.xy = x * y;
    this.n++;
  }
}

function priors(d: StepDefaults): Record<StepKind, Prior> {
  const flat = (baseMs: number): Prior => ({ baseMs, perGbMs: 0 });
  return {
    'stop-soft': flat(d.stopSoftMs),
    'stop-hard': flat(d.stopHardMs),
    start: flat(d.startMs),
    upload: { baseMs: d.uploadBaseMs, perGbMs: d.uploadMsPerGb },
    image: flat(d.imageMs),
    snapshot: flat(d.snapshotMs),
    copy: { baseMs: d.copyBaseMs, perGbMs: d.copyMsPerGb },
    delete: flat(d.deleteMs),
  };
}

export class StepTimes {
  private readonly tracks = new Map<StepKind, Track>();
  private readonly priors: Record<StepKind, Prior>;

  constructor(defaults: Partial<StepDefaults> = {}) {
    this.priors = priors({ ...DEFAULT_STEP_TIMES, ...defaults });
  }

  private track(kind: StepKind): Track {
    let t = this.tracks.get(kind);
    if (!t) this.tracks.set(kind, (t = new Track(this.priors[kind])));
    return t;
  }

  /** When a step of this kind (of this size, for uploads and copies) is expected to end. */
  expect(kind: StepKind, sizeGb?: number): Expectation {
    return this.track(kind).expect(sizeGb);
  }

  /**
   * A wait saw a step of this kind end after `ms`, give or take `uncertaintyMs` (half the gap between the reads
   * around the end). Uploads and copies of unknown size are not counted.
   */
  observe(kind: StepKind, ms: number, sizeGb?: number, uncertaintyMs = 0): void {
    if (Number.isFinite(ms) && ms >= 0)
      this.track(kind).observe(ms, sizeGb, Number.isFinite(uncertaintyMs) ? Math.max(0, uncertaintyMs) : 0);
  }

  /** Observations counted per kind (for tests and diagnostics). */
  observations(): Partial<Record<StepKind, number>> {
    return Object.fromEntries([...this.tracks].filter(([, t]) => t.n > 0).map(([k, t]) => [k, t.n]));
  }
}

// One estimator per cloud client: the worker's main and urgent activities share it (see the header).
const perCloud = new WeakMap<object, StepTimes>();

export function stepTimesFor(cloud: object, defaults?: Partial<StepDefaults>): StepTimes {
  let t = perCloud.get(cloud);
  if (!t) perCloud.set(cloud, (t = new StepTimes(defaults)));
  return t;
}

/** What a wait knows of its step (poll.ts): when it is expected to end, and where to say when it did. */
export interface StepWatch {
  /** The expectation now (a read may have told the step's size); undefined: nothing to expect, back off. */
  expect(): Expectation | undefined;
  /** The wait saw the step end `ms` after the wait began, give or take `uncertaintyMs`. */
  ended(ms: number, uncertaintyMs?: number): void;
  /**
   * When the step began (epoch ms), where the wait knows it better than its own start: a power wait that asked
   * for the stop itself, after a read and perhaps a wait for a budget token. Times are then counted from it.
   */
  began?(): number | undefined;
}

/** A wait for a step of `kind` (of the size `sizeGb()` returns, once a read has told it). */
export function watchStep(times: StepTimes, kind: StepKind, sizeGb: () => number | undefined = () => undefined): StepWatch {
  return { expect: () => times.expect(kind, sizeGb()), ended: (ms, uncertaintyMs) => times.observe(kind, ms, sizeGb(), uncertaintyMs) };
}
