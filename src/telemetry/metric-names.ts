// Our own metrics: one list, read by the worker (which creates them), the workflows (which record the outcome of a
// run) and the Grafana dashboard's test. They are served with the SDK's `temporal_*` metrics on one Prometheus
// endpoint (EVS_EXPORT_METRICS_PORT). Labels hold names of things, never ids or anything secret, so the number of
// series stays bounded however many disks are exported.

export interface MetricSpec {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  help: string;
  labels: readonly string[];
  /** Histogram buckets, in seconds. */
  buckets?: readonly number[];
}

export const METRICS = {
  exports: {
    name: 'evs_export_exports',
    kind: 'counter',
    help: 'Runs ended, by workflow, outcome (completed, failed, cancelled) and strategy (direct, snapshot)',
    labels: ['workflow', 'outcome', 'strategy'],
  },
  downtime: {
    name: 'evs_export_server_downtime_seconds',
    kind: 'histogram',
    help: 'Per server, from its stop being asked to it running again',
    labels: ['strategy'],
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
  },
  compensations: {
    name: 'evs_export_compensations',
    kind: 'counter',
    help: 'Runs that put things right after a failure or a cancel, by reason and the phase they were in',
    labels: ['reason', 'phase'],
  },
  apiCalls: {
    name: 'evs_export_api_calls',
    kind: 'counter',
    help: 'HTTP attempts to the cloud (every retry counts), by service, operation and status (code, or network/timeout/aborted)',
    labels: ['service', 'operation', 'status'],
  },
  apiThrottles: {
    name: 'evs_export_api_throttles',
    kind: 'counter',
    help: 'Attempts the cloud refused as throttled (429 or a flow-control code), by service and operation',
    labels: ['service', 'operation'],
  },
  apiLatency: {
    name: 'evs_export_api_call_seconds',
    kind: 'histogram',
    help: 'Duration of one HTTP attempt to the cloud, by service and operation',
    labels: ['service', 'operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  },
  serversHeld: {
    name: 'evs_export_servers_held',
    kind: 'gauge',
    help: 'Servers this tool holds stopped (or is stopping or starting), by phase; from Temporal visibility, so every worker reports the whole namespace (use max)',
    labels: ['phase'],
  },
} as const satisfies Record<string, MetricSpec>;

/** Prometheus adds `_total` to counters (the exporter's `countersTotalSuffix`). */
export function exposedName(m: MetricSpec): string {
  return m.kind === 'counter' ? `${m.name}_total` : m.name;
}
