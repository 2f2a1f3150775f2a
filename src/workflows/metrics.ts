// What a run records in the worker's metrics (src/telemetry/metric-names.ts). The workflow's metric meter is
// replay-aware: a run replayed after a worker restart does not count twice.
import { isCancellation, metricMeter } from '@temporalio/workflow';
import { METRICS } from '../telemetry/metric-names';
import type { ServerReport, Strategy } from './api';

/** What the run looks like when it ends: its strategy and its servers. */
export interface RunShape {
  strategy: Strategy;
  servers: readonly ServerReport[];
}

/** Runs `run`, then counts how it ended and each server's downtime. */
export async function measured<T>(workflow: string, shape: () => RunShape, run: () => Promise<T>): Promise<T> {
  let outcome = 'failed';
  try {
    const result = await run();
    outcome = 'completed';
    return result;
  } catch (err) {
    if (isCancellation(err)) outcome = 'cancelled';
    throw err;
  } finally {
    const { strategy, servers } = shape();
    metricMeter.createCounter(METRICS.exports.name, 'runs', METRICS.exports.help).add(1, { workflow, outcome, strategy });
    const downtime = metricMeter.createHistogram(METRICS.downtime.name, 'float', 's', METRICS.downtime.help);
    for (const s of servers) if (s.downtimeMs !== undefined) downtime.record(s.downtimeMs / 1000, { strategy });
  }
}

/** A run that starts putting things right: why (failed or cancelled) and the phase it was in. */
export function countCompensation(err: unknown, phase: string): void {
  const reason = isCancellation(err) ? 'cancelled' : 'failed';
  metricMeter.createCounter(METRICS.compensations.name, 'runs', METRICS.compensations.help).add(1, { reason, phase });
}
