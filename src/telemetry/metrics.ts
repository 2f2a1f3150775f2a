// The worker's metrics: the SDK Runtime's Prometheus exporter serves Temporal's own `temporal_*` metrics and ours
// (metric-names.ts) on one endpoint, so there is one port to scrape and no second metrics library.
import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import type { TelemetryOptions } from '@temporalio/worker';
import type { HttpObserver } from '../cloud/http';
import { SA_PHASE } from '../workflows/api';
import { WorkerConfigError } from '../worker-limits';
import { METRICS, type MetricSpec } from './metric-names';

/** `host:port` of the endpoint from EVS_EXPORT_METRICS_PORT (and _HOST, default every interface), or none: off. */
export function metricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.EVS_EXPORT_METRICS_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new WorkerConfigError(`EVS_EXPORT_METRICS_PORT: expected a port number (1-65535), got ${JSON.stringify(raw)}`);
  const host = env.EVS_EXPORT_METRICS_HOST || '0.0.0.0';
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The Runtime's metrics options for a Prometheus endpoint at `bindAddress`. */
export function prometheusMetrics(bindAddress: string): NonNullable<TelemetryOptions['metrics']> {
  const buckets = Object.values(METRICS as Record<string, MetricSpec>).filter((m) => m.buckets);
  return {
    prometheus: {
      bindAddress,
      // Prometheus conventions: counters end in _total, durations are seconds.
      countersTotalSuffix: true,
      useSecondsForDurations: true,
      histogramBucketOverrides: Object.fromEntries(buckets.map((m) => [m.name, [...m.buckets!]])),
    },
  };
}

/** Counts every HTTP attempt to the cloud by service, operation and status, its throttles and its duration. */
export function cloudCallMetrics(meter: MetricMeter): HttpObserver {
  const calls = meter.createCounter(METRICS.apiCalls.name, 'calls', METRICS.apiCalls.help);
  const throttles = meter.createCounter(METRICS.apiThrottles.name, 'calls', METRICS.apiThrottles.help);
  const latency = meter.createHistogram(METRICS.apiLatency.name, 'float', 's', METRICS.apiLatency.help);
  return {
    attempt(info) {
      const tags = { service: info.service, operation: info.op };
      return (outcome) => {
        calls.add(1, { ...tags, status: String(outcome.status) });
        if (outcome.throttled) throttles.add(1, tags);
        latency.record(outcome.ms / 1000, tags);
      };
    },
  };
}

const HELD_PHASES = ['stopping', 'held', 'starting'] as const;

/**
 * Samples from Temporal visibility how many servers the tool holds, by phase (the holds publish their phase in
 * EvsPhase). Visibility is the one place that sees every worker's holds, so each worker reports the same total.
 */
export function watchServersHeld(client: Client, meter: MetricMeter, intervalMs = 15_000): { stop(): void } {
  const gauge = meter.createGauge(METRICS.serversHeld.name, 'int', 'servers', METRICS.serversHeld.help);
  let stopped = false;
  const sample = async () => {
    for (const phase of HELD_PHASES) {
      const query = `WorkflowType = 'serverHold' AND ExecutionStatus = 'Running' AND ${SA_PHASE.name} = '${phase}'`;
      const { count } = await client.workflow.count(query);
      if (!stopped) gauge.set(count, { phase });
    }
  };
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    // One sample at a time; a failed sample (server briefly away) keeps the last values.
    running = running.then(sample).catch(() => undefined);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
