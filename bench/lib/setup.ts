// Services the benchmarks start for themselves, and their orderly shutdown (also on Ctrl-C).
import type { SimHandle, SimEvent } from '../../src/sim/types';

type Closer = () => Promise<unknown>;
const closers: Closer[] = [];
let closing: Promise<void> | undefined;

/** Registers a shutdown step; they run last-registered first. */
export function onShutdown(close: Closer): void {
  closers.push(close);
}

export function shutdown(): Promise<void> {
  return (closing ??= (async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        console.error(`[bench] shutdown step failed: ${(err as Error).message}`);
      }
    }
  })());
}

/** Runs `main`, always shuts down what it started; exit code 1 only when the harness itself breaks. */
export function runBench(main: () => Promise<void>): void {
  const interrupt = (signal: NodeJS.Signals) => {
    console.error(`\n[bench] ${signal}: stopping what the benchmark started ...`);
    void shutdown().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  main()
    .then(
      () => shutdown(),
      async (err: unknown) => {
        console.error(`[bench] harness error: ${err instanceof Error ? (err.name === 'UsageError' ? err.message : (err.stack ?? err.message)) : String(err)}`);
        await shutdown();
        process.exitCode = err instanceof Error && err.name === 'UsageError' ? 2 : 1;
      },
    )
    .finally(() => {
      // Native handles (Temporal's runtime) may linger after shutdown; the results are out.
      setTimeout(() => process.exit(), 200).unref();
    });
}

/** The sequence number of the simulator's latest event (events after it belong to what comes next). */
export function lastSeq(sim: SimHandle): number {
  return sim.events().at(-1)?.seq ?? 0;
}

/** Waits until the simulator has no pending transition (uploads, image activation, killed-image expiry) or `timeoutMs` passes. */
export async function settle(sim: SimHandle, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (sim.state().pending.length === 0) return true;
    await sleep(100);
  }
  return false;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function firstEvent(events: SimEvent[], type: string, match: Record<string, unknown>): SimEvent | undefined {
  return events.find((e) => e.type === type && Object.entries(match).every(([k, v]) => e[k] === v));
}

export const at = (e: SimEvent | undefined) => (e ? Date.parse(e.at) : NaN);

/** `p`'s value, or undefined when `ms` passes first (the timer does not keep the process alive past it). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), Math.max(0, ms))))]).finally(() => clearTimeout(timer));
}
