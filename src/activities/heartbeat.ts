// Every activity heartbeats while it runs, so a worker that dies is noticed within the heartbeat timeout
// (not the much longer start-to-close timeout) and cancellation reaches activities that are mid-request.
// Details set with `beat()` are re-sent by the ticker, so they survive to the next attempt.
import { Context } from '@temporalio/activity';

const latest = new WeakMap<Context, unknown>();
const TICK_MS = 2_000;

export function beat(details: unknown): void {
  const ctx = Context.current();
  latest.set(ctx, details);
  ctx.heartbeat(details);
}

export async function keepAlive<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  // Until this attempt says otherwise, keep what the previous attempt left: a crash now must not lose it.
  if (!latest.has(ctx)) latest.set(ctx, ctx.info.heartbeatDetails);
  const tick = () => ctx.heartbeat(latest.get(ctx));
  tick();
  const timer = setInterval(tick, TICK_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
