// Activities that run longer than a moment heartbeat, so a worker that dies is noticed within the heartbeat
// timeout (not the start-to-close timeout) and cancellation reaches an activity that is mid-request. Most
// activities end within a few hundred milliseconds and never send one.
import { Context } from '@temporalio/activity';

const FIRST_AFTER_MS = 2_000;

export async function keepAlive<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), FIRST_AFTER_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
