import { describe, expect, it } from 'vitest';
import { ALPHA, DEFAULT_STEP_TIMES, DEFAULT_WINDOW, StepTimes, stepTimesFor, watchStep } from '../../src/activities/step-times';
import { EXPECTED } from '../../src/workflows/estimates';

/** A seeded uniform draw in [-1, 1). */
function rng(seed: number) {
  let s = seed;
  return () => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 2 - 1;
}

describe('step times before anything is observed', () => {
  it('are the documented ones (workflows/estimates.ts EXPECTED), with a ±20 % window', () => {
    const t = new StepTimes();
    expect(t.expect('stop-soft')).toEqual({ endMs: EXPECTED.stopMs.SOFT, marginMs: EXPECTED.stopMs.SOFT * DEFAULT_WINDOW, learned: false });
    expect(t.expect('stop-hard').endMs).toBe(EXPECTED.stopMs.HARD);
    expect(t.expect('start').endMs).toBe(EXPECTED.startMs);
    expect(t.expect('snapshot').endMs).toBe(EXPECTED.snapshotMs);
    expect(t.expect('upload', 20).endMs).toBe(EXPECTED.uploadBaseMs + 20 * EXPECTED.uploadMsPerGb);
    expect(t.expect('image').endMs).toBe(DEFAULT_STEP_TIMES.imageMs);
  });

  it('can be given (tests with a fast simulator)', () => {
    const t = new StepTimes({ stopSoftMs: 300, uploadBaseMs: 500, uploadMsPerGb: 10 });
    expect(t.expect('stop-soft').endMs).toBe(300);
    expect(t.expect('upload', 10).endMs).toBe(600);
    expect(t.expect('start').endMs).toBe(EXPECTED.startMs);
  });
});

describe('step times learned from observations', () => {
  it('the first observation replaces the default; later ones move an average; two make it learned', () => {
    const t = new StepTimes();
    t.observe('stop-soft', 1_500);
    expect(t.expect('stop-soft')).toEqual({ endMs: 1_500, marginMs: 300, learned: false });
    t.observe('stop-soft', 1_700);
    expect(t.expect('stop-soft')).toMatchObject({ endMs: Math.round(1_500 + ALPHA * 200), learned: true });
    expect(t.observations()).toEqual({ 'stop-soft': 2 });
  });

  it('learn the spread: the window narrows to about K × the mean deviation', () => {
    const t = new StepTimes();
    const jitter = rng(7);
    for (let i = 0; i < 60; i++) t.observe('start', 1_500 + 200 * jitter());
    const e = t.expect('start');
    expect(Math.abs(e.endMs - 1_500)).toBeLessThan(100);
    // Uniform ±200 ms: mean deviation 100 ms, so the window is about ±300 ms — and covers the whole jitter.
    expect(e.marginMs).toBeGreaterThan(200);
    expect(e.marginMs).toBeLessThan(450);
    // Steady steps: the window shrinks to its floor, ±5 %.
    const steady = new StepTimes();
    for (let i = 0; i < 30; i++) steady.observe('start', 2_000);
    expect(steady.expect('start').marginMs).toBe(100);
  });

  it('learns the spread only from learned expectations: a first guess far off does not widen the window', () => {
    const t = new StepTimes();
    t.observe('stop-soft', 5_000); // the first stop, seen late
    t.observe('stop-soft', 1_500); // far before the window: the expectation resets to it
    expect(t.expect('stop-soft')).toEqual({ endMs: 1_500, marginMs: 1_500 * DEFAULT_WINDOW, learned: true });
  });

  it('a step read coarsely (the first, under the defaults) is replaced by the next one read sharply', () => {
    const t = new StepTimes();
    // Seen between reads 300 ms apart (the plain backoff's first gap), then between dense reads 80 ms apart.
    t.observe('stop-soft', 150, undefined, 150);
    t.observe('stop-soft', 290, undefined, 40);
    expect(t.expect('stop-soft').endMs).toBe(290);
    // Coarse ones alone, however many, are not trusted: the spread is not learned from a distance to them.
    const coarse = new StepTimes();
    coarse.observe('start', 150, undefined, 150);
    coarse.observe('start', 140, undefined, 140);
    expect(coarse.expect('start').learned).toBe(false);
    coarse.observe('start', 290, undefined, 40);
    expect(coarse.expect('start')).toEqual({ endMs: 290, marginMs: Math.round(290 * DEFAULT_WINDOW), learned: true });
    // Observations as sharp as the average move it as before.
    t.observe('stop-soft', 310, undefined, 40);
    expect(t.expect('stop-soft').endMs).toBe(Math.round(290 + ALPHA * 20));
  });

  it("the spread leaves out each observation's uncertainty: reads 80 ms apart do not make a steady step look varying", () => {
    const t = new StepTimes();
    const blind = new StepTimes();
    const jitter = rng(3);
    // A steady 300-ms step, each end seen somewhere between two reads 80 ms apart.
    for (let i = 0; i < 30; i++) {
      const seen = 300 + 40 * jitter();
      t.observe('start', seen, undefined, 40);
      blind.observe('start', seen, undefined, 0);
    }
    // Counting the whole distance, the window would be about ±20 % (K × a mean deviation of 20 ms).
    expect(blind.expect('start').marginMs).toBeGreaterThan(blind.expect('start').endMs * 0.18);
    expect(t.expect('start').marginMs).toBeLessThan(blind.expect('start').marginMs * 0.8);
    // A step that does vary beyond the reads' gap still widens the window.
    const varying = new StepTimes();
    for (let i = 0; i < 30; i++) varying.observe('start', 300 + 150 * jitter(), undefined, 40);
    expect(varying.expect('start').marginMs).toBeGreaterThan(varying.expect('start').endMs * 0.15);
  });

  it('an end before the window resets the expectation to it: faster steps are not read late again', () => {
    const t = new StepTimes();
    for (let i = 0; i < 5; i++) t.observe('stop-soft', 3_000);
    t.observe('stop-soft', 1_000);
    expect(t.expect('stop-soft').endMs).toBe(1_000);
  });

  it('a stuck step counts at most twice the expected duration', () => {
    const t = new StepTimes();
    for (let i = 0; i < 5; i++) t.observe('stop-soft', 1_500);
    t.observe('stop-soft', 600_000);
    expect(t.expect('stop-soft').endMs).toBe(Math.round(1_500 * (1 - ALPHA) + ALPHA * 3_000));
  });

  it('ignores what cannot be an observation', () => {
    const t = new StepTimes();
    t.observe('image', Number.NaN);
    t.observe('image', -5);
    t.observe('upload', 1_000); // an upload of unknown size
    expect(t.observations()).toEqual({});
  });
});

describe('uploads and copies: base + per-GB time', () => {
  it('one size seen: the documented shape scaled to what was seen', () => {
    const t = new StepTimes();
    t.observe('upload', 3_000, 20);
    expect(t.expect('upload', 20).endMs).toBe(3_000);
    const documented = (gb: number) => EXPECTED.uploadBaseMs + gb * EXPECTED.uploadMsPerGb;
    expect(t.expect('upload', 40).endMs).toBe(Math.round((3_000 * documented(40)) / documented(20)));
  });

  it('sizes apart: base and per-GB time fitted, so a larger disk is expected right', () => {
    const t = new StepTimes();
    // A cloud with 1 s base and 100 ms/GB (the benchmark simulator's).
    for (const gb of [10, 100, 10, 100, 30]) t.observe('upload', 1_000 + 100 * gb, gb);
    const e = t.expect('upload', 1000);
    expect(Math.abs(e.endMs - 101_000) / 101_000).toBeLessThan(0.05);
    // Far from the sizes seen, the window widens.
    expect(e.marginMs / e.endMs).toBeGreaterThan(t.expect('upload', 30).marginMs / t.expect('upload', 30).endMs);
  });

  it('a copy whose size is not known yet is expected as long as copies took', () => {
    const t = new StepTimes();
    expect(t.expect('copy').endMs).toBe(DEFAULT_STEP_TIMES.copyBaseMs + DEFAULT_STEP_TIMES.copyMsPerGb);
    t.observe('copy', 2_100, 100);
    expect(t.expect('copy').endMs).toBe(2_100);
  });
});

describe('one estimator per worker and cloud', () => {
  it('is shared by everything built on the same cloud client', () => {
    const cloud = {};
    expect(stepTimesFor(cloud)).toBe(stepTimesFor(cloud));
    expect(stepTimesFor({})).not.toBe(stepTimesFor(cloud));
  });

  it('a wait watches its step, with the size its reads told', () => {
    const t = new StepTimes();
    const disk: { sizeGb?: number } = {};
    const w = watchStep(t, 'upload', () => disk.sizeGb);
    expect(w.expect()).toMatchObject({ learned: false });
    disk.sizeGb = 50;
    expect(w.expect()?.endMs).toBe(EXPECTED.uploadBaseMs + 50 * EXPECTED.uploadMsPerGb);
    w.ended(5_000);
    expect(t.expect('upload', 50)).toMatchObject({ endMs: 5_000 });
  });
});
