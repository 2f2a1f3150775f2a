// The token bucket: burst, spacing, arrival order, the urgent lane, abort.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/cloud/ratelimit';

describe('TokenBucket', () => {
  it('halves its rate when the cloud throttles, down to a floor, and grows back to the configured rate', () => {
    let now = 0;
    const b = new TokenBucket({ requestsPerSecond: 20, burst: 1 }, () => now);
    expect(b.currentRate()).toBe(20);
    b.throttled();
    expect(b.currentRate()).toBe(10);
    b.throttled();
    expect(b.currentRate()).toBe(5);
    for (let i = 0; i < 10; i++) b.throttled();
    expect(b.currentRate()).toBe(20 / 16);
    // 5 % of the configured rate per second: from 1.25 back to 20 in 18.75 s.
    now = 5000;
    expect(b.currentRate()).toBeCloseTo(1.25 + 5, 5);
    now = 20_000;
    expect(b.currentRate()).toBe(20);
  });

  it("takes a share of the account's rate and burst, and a throttle halves the share", async () => {
    let now = 0;
    const b = new TokenBucket({ requestsPerSecond: 20, burst: 4 }, () => now);
    b.setShare(1 / 2);
    expect(b.currentRate()).toBe(10);
    expect(b.account()).toEqual({ requestsPerSecond: 20, burst: 4 });
    // Half of the burst: two at once, the third waits.
    await b.take();
    await b.take();
    const third = b.take().then(() => 'took');
    expect(await Promise.race([third, Promise.resolve('waiting')])).toBe('waiting');
    b.throttled();
    expect(b.currentRate()).toBe(5);
    // Back to the whole account: the reduction keeps its proportion, and recovers towards 20.
    b.setShare(1);
    expect(b.currentRate()).toBe(10);
    now = 200_000;
    expect(b.currentRate()).toBe(20);
    await third;
  });

  it('tells its listeners of every throttle until they unsubscribe', () => {
    const b = new TokenBucket({ requestsPerSecond: 20, burst: 1 });
    let told = 0;
    const off = b.onThrottled(() => told++);
    b.throttled();
    b.throttled();
    off();
    b.throttled();
    expect(told).toBe(2);
  });

  it('spaces requests at the reduced rate after a throttle', async () => {
    const b = new TokenBucket({ requestsPerSecond: 100, burst: 1 });
    await b.take();
    b.throttled();
    const t0 = performance.now();
    await b.take();
    await b.take();
    // 50 rps: two more tokens take about 40 ms, where 100 rps would take 20.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
  });

  it('lets the burst through at once, then spaces requests in arrival order', async () => {
    const b = new TokenBucket({ requestsPerSecond: 50, burst: 3 });
    const t0 = performance.now();
    const order: number[] = [];
    const at: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        b.take().then(() => {
          order.push(i);
          at.push(performance.now() - t0);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(at.slice(0, 3).every((t) => t < 15)).toBe(true);
    // 5 beyond the burst at 20 ms each: the last one waits about 100 ms.
    expect(at[7]).toBeGreaterThanOrEqual(90);
  });

  it('refills over time up to the burst', async () => {
    const b = new TokenBucket({ requestsPerSecond: 100, burst: 2 });
    await b.take();
    await b.take();
    await new Promise((r) => setTimeout(r, 60));
    const t0 = performance.now();
    await b.take();
    await b.take();
    expect(performance.now() - t0).toBeLessThan(15);
  });

  it('an aborted waiter rejects with the reason and gives its token back', async () => {
    const b = new TokenBucket({ requestsPerSecond: 10, burst: 1 });
    await b.take();
    const ac = new AbortController();
    const waiting = b.take(ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    const t0 = performance.now();
    await b.take();
    // Only one slot (100 ms) is owed, not two.
    expect(performance.now() - t0).toBeLessThan(150);
  });

  it('serves writes, then urgent reads, then normal ones, then background ones, whoever came first; each lane in arrival order', async () => {
    const b = new TokenBucket({ requestsPerSecond: 100, burst: 1 });
    await b.take();
    const order: string[] = [];
    const lane = (name: 'write' | 'urgent' | 'normal' | 'background', n: number) =>
      Array.from({ length: n }, (_, i) => b.take(undefined, name).then(() => order.push(`${name[0]}${i}`)));
    const background = lane('background', 2);
    const normal = lane('normal', 3);
    const urgent = lane('urgent', 2);
    const write = lane('write', 2);
    expect(b.waiting()).toEqual({ write: 2, urgent: 2, normal: 3, background: 2 });
    await Promise.all([...background, ...normal, ...urgent, ...write]);
    expect(order).toEqual(['w0', 'w1', 'u0', 'u1', 'n0', 'n1', 'n2', 'b0', 'b1']);
  });

  it('lets a background request that has waited 10 s go next among the normal ones: delayed, never starved', async () => {
    let offset = 0;
    const b = new TokenBucket({ requestsPerSecond: 100, burst: 1 }, () => performance.now() + offset);
    await b.take();
    const order: string[] = [];
    const background = b.take(undefined, 'background').then(() => order.push('b'));
    // 20 s later, normal requests keep coming: the first takes the token that has built up, the next ones wait.
    offset += 20_000;
    const normal = [0, 1, 2].map((i) => b.take(undefined, 'normal').then(() => order.push(`n${i}`)));
    await Promise.all([background, ...normal]);
    expect(order).toEqual(['n0', 'b', 'n1', 'n2']);
  });

  it('writes queued alone all go out, the bucket waking itself for each', async () => {
    const b = new TokenBucket({ requestsPerSecond: 100, burst: 1 });
    await b.take();
    const writes = Promise.all(Array.from({ length: 3 }, () => b.take(undefined, 'write')));
    // 30 ms of tokens; nothing else comes along to wake the bucket.
    const late = new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), 2000).unref());
    expect(await Promise.race([writes.then(() => 'served'), late])).toBe('served');
  });

  it('an urgent request does not wait for a token while only normal ones are queued behind an empty bucket', async () => {
    const b = new TokenBucket({ requestsPerSecond: 10, burst: 1 });
    await b.take();
    const normals = Array.from({ length: 5 }, () => b.take());
    const t0 = performance.now();
    await b.take(undefined, 'urgent');
    // One token's refill (100 ms), not six.
    expect(performance.now() - t0).toBeLessThan(250);
    await Promise.all(normals);
  });

  it('keeps a quarter of the burst for writes: reads wait while it is left, writes take it at once', async () => {
    let now = 0;
    const b = new TokenBucket({ requestsPerSecond: 10, burst: 8 }, () => now);
    for (let i = 0; i < 6; i++) await b.take();
    let read = false;
    const reading = b.take().then(() => (read = true));
    await Promise.resolve();
    expect(b.waiting().normal).toBe(1);
    // The two kept back go to writes without waiting for a refill.
    await b.take(undefined, 'write');
    await b.take(undefined, 'write');
    expect(read).toBe(false);
    now = 1000;
    await reading;
  });

  it('is disabled with an infinite rate', async () => {
    const b = new TokenBucket({ requestsPerSecond: Infinity, burst: 1 });
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) await b.take();
    expect(performance.now() - t0).toBeLessThan(100);
  });
});
