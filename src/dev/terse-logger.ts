// The embedded stack's worker log, for a person at a terminal: an expected failure is one line naming the run,
// the step and what went wrong; its stack trace stays in the run's history (the Web UI shows it). Expected: an
// activity's ApplicationFailure of one of the README's failure types but Unexpected, and every "Workflow
// failed" (a workflow fails only by throwing a Temporal failure on purpose; a bug fails its workflow task
// instead, which stays logged in full). Anything else is logged in full.
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { FailureType } from '../workflows/api';

const EXPECTED = new Set<string>(Object.values(FailureType).filter((t) => t !== FailureType.Unexpected));

type Failure = { type?: unknown; message?: unknown; cause?: unknown };

/**
 * Through the wrappers ("Activity task failed", a child's failure) to the failure with a type. By shape, not
 * class: a workflow's failures come from its sandbox, whose classes are not this module's.
 */
function innermost(err: unknown): Failure | undefined {
  let e = err as Failure | undefined;
  while (e && typeof e === 'object' && !e.type && e.cause) e = e.cause as Failure;
  return e && typeof e === 'object' ? e : undefined;
}

const WRAPPER = /^(Activity task|Child Workflow execution) /;

/**
 * The words that say what went wrong: the first message along the causes that is not a wrapper's. A workflow's
 * log entries reach this thread as structured clones, which keep message and cause but not the failure type.
 */
function firstWords(err: unknown): string {
  for (let e = err as Failure | undefined; e && typeof e === 'object'; e = e.cause as Failure | undefined) {
    if (typeof e.message === 'string' && e.message && !WRAPPER.test(e.message)) return e.message;
  }
  return String(err);
}

/** One line for an expected failure, or undefined for anything to be logged in full. */
export function expectedFailureLine(entry: LogEntry): string | undefined {
  const meta = entry.meta ?? {};
  const failure = innermost(meta.error);
  const typed = typeof failure?.type === 'string' && EXPECTED.has(failure.type);
  if (!typed && entry.message !== 'Workflow failed') return undefined;
  const at = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const where = [meta.workflowId, meta.activityType ? `activity ${String(meta.activityType)}` : undefined].filter(Boolean).join(' ');
  const what = typed ? `${String(failure!.type)}: ${String(failure!.message)}` : firstWords(meta.error);
  return `${at} [${entry.level}] ${entry.message}: ${where} — ${what}`;
}

export function terseLogger(level: LogLevel = 'WARN'): DefaultLogger {
  const full = new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => {
    // The urgent queue's worker runs activities only, on purpose.
    if (entry.message.startsWith('No workflows registered')) return;
    const line = expectedFailureLine(entry);
    if (line) console.error(line);
    else full.log(entry.level, entry.message, entry.meta);
  });
}
