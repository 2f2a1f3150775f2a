// The workflow half of tracing (Temporal's OpenTelemetry interceptors), behind a patch: the interceptor module of
// a tracing worker's bundle. Runs recorded before the interceptors were in the bundle must replay exactly: the
// interceptors yield where the code did not, and an entity such as `serverHold`, with an update and activities in
// one task, then fails to replay (the replay test showed it). So each run decides once, at its first activation, and
// keeps the decision: a new run records the patch and is traced; a run begun without it replays without the
// interceptors. Workers without tracing bundle tracing-replays.ts instead, which adds nothing to new runs.
import { interceptors as openTelemetry } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
import { patched, type WorkflowInterceptors } from '@temporalio/workflow';

export const TRACING_PATCH = 'opentelemetry-interceptors';

export const interceptors = (): WorkflowInterceptors => gatedInterceptors();

/** The interceptors, active in a run that recorded the patch (new runs record it). */
export function gatedInterceptors(): WorkflowInterceptors {
  const real = openTelemetry();
  let traced: boolean | undefined;
  const on = () => traced === true;
  // The first call of every activation, after the activation's patch markers are known and outside any read-only
  // context (queries and update validators), so the one place the decision is made.
  const decide = {
    activate<I, O>(input: I, next: (input: I) => O): O {
      traced ??= patched(TRACING_PATCH);
      return next(input);
    },
  };
  return {
    inbound: (real.inbound ?? []).map((i) => gated(i, on)),
    outbound: (real.outbound ?? []).map((i) => gated(i, on)),
    internals: [decide, ...(real.internals ?? []).map((i) => gated(i, on))],
  };
}

/** `target`'s methods, each passing straight to the next interceptor while tracing is off for this run. */
function gated<T extends object>(target: T, on: () => boolean): T {
  const out: Record<string, unknown> = {};
  const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(target) as object).filter(
    (name) => name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function',
  );
  for (const name of methods) {
    const method = (target as Record<string, (input: unknown, next: (input: unknown) => unknown) => unknown>)[name].bind(target);
    out[name] = (input: unknown, next: (input: unknown) => unknown) => (on() ? method(input, next) : next(input));
  }
  return out as T;
}
