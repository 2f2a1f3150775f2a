// The interceptor module of a worker without tracing: a new run gets no workflow interceptor at all. Any workflow
// interceptor gives its run an enabled AsyncLocalStorage (the SDK binds each intercepted call to the run's random
// source, and OpenTelemetry keeps its context in one), and on Node 20 every enabled AsyncLocalStorage adds a
// property to every promise in the workflow thread: memory and CPU grow with the square of the cached workflows
// (3.1 GB for 300 exports and their holds, against 0.7 GB without). A run that is replayed — it may have recorded
// the tracing patch on a tracing worker — gets what tracing.ts gives it, so its history replays as recorded.
import { workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';

export const interceptors = (): WorkflowInterceptors => {
  if (!workflowInfo().unsafe.isReplaying) return {};
  // Required here, not imported: the SDK instantiates a bundle's modules once per run, and tracing.ts brings
  // OpenTelemetry's (half of the bundle's modules), which a new run never uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { gatedInterceptors } = require('./tracing') as typeof import('./tracing');
  return gatedInterceptors();
};
