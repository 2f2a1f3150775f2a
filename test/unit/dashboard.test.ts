// The Grafana dashboard (deploy/grafana/dashboards/evs-image-export.json) asks only for series the worker serves,
// by labels they carry, and the compose profile "observability" wires Prometheus and Grafana to the files that
// hold them. A renamed metric or label in src/telemetry/metric-names.ts fails here, not as an empty panel.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exposedName, METRICS, type MetricSpec } from '../../src/telemetry/metric-names';

const ROOT = resolve(__dirname, '..', '..');
const DASHBOARD_FILE = 'deploy/grafana/dashboards/evs-image-export.json';
const PROVISIONING_DIR = 'deploy/grafana/provisioning';
const PROMETHEUS_FILE = 'deploy/prometheus/prometheus.yml';

type Kind = MetricSpec['kind'];
interface Known {
  kind: Kind;
  labels: readonly string[];
}

// The Temporal SDK's own metrics, as @temporalio/worker 1.24.0 serves them with
//   Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true,
//     useSecondsForDurations: true } } } })
// and the labels seen on each. Read off /metrics (curl) of a worker run against `temporal server start-dev`
// (the project's .tools/temporal binary) with one workflow that completed, one whose activity failed, one whose
// workflow task failed, one cancelled, and a DescribeWorkflowExecution of a missing workflow on the worker's
// connection. Histograms keep their names, without `_seconds` (useSecondsForDurations changes the values' unit,
// not the name) and are served as _bucket/_sum/_count. Metrics that appear only on other events (e.g.
// temporal_workflow_continue_as_new_total) are left out until someone sees them.
const TEMPORAL_METRICS: Record<string, Known> = {
  temporal_activity_execution_failed_total: {
    kind: 'counter',
    labels: ['activity_type', 'failure_reason', 'namespace', 'service_name', 'task_queue', 'workflow_type'],
  },
  temporal_activity_execution_latency: {
    kind: 'histogram',
    labels: ['activity_type', 'namespace', 'service_name', 'task_queue', 'workflow_type'],
  },
  temporal_activity_schedule_to_start_latency: { kind: 'histogram', labels: ['namespace', 'service_name', 'task_queue'] },
  temporal_activity_succeed_endtoend_latency: {
    kind: 'histogram',
    labels: ['activity_type', 'namespace', 'service_name', 'task_queue', 'workflow_type'],
  },
  temporal_activity_task_received_total: {
    kind: 'counter',
    labels: ['activity_type', 'eager', 'namespace', 'service_name', 'task_queue', 'workflow_type'],
  },
  temporal_long_request_latency: { kind: 'histogram', labels: ['namespace', 'operation', 'service_name', 'task_queue'] },
  temporal_long_request_total: { kind: 'counter', labels: ['namespace', 'operation', 'service_name', 'task_queue'] },
  temporal_num_pollers: { kind: 'gauge', labels: ['namespace', 'poller_type', 'service_name', 'task_queue'] },
  temporal_request_failure_total: { kind: 'counter', labels: ['namespace', 'operation', 'service_name', 'status_code'] },
  temporal_request_latency: { kind: 'histogram', labels: ['namespace', 'operation', 'service_name'] },
  temporal_request_total: { kind: 'counter', labels: ['namespace', 'operation', 'service_name'] },
  temporal_sticky_cache_hit_total: { kind: 'counter', labels: ['namespace', 'service_name', 'task_queue', 'workflow_type'] },
  temporal_sticky_cache_size: { kind: 'gauge', labels: ['namespace', 'service_name', 'task_queue'] },
  temporal_sticky_cache_total_forced_eviction_total: { kind: 'counter', labels: ['namespace', 'service_name', 'task_queue'] },
  temporal_worker_start_total: { kind: 'counter', labels: ['namespace', 'service_name', 'task_queue'] },
  temporal_worker_task_slots_available: { kind: 'gauge', labels: ['namespace', 'service_name', 'task_queue', 'worker_type'] },
  temporal_worker_task_slots_used: { kind: 'gauge', labels: ['namespace', 'service_name', 'task_queue', 'worker_type'] },
  temporal_workflow_canceled_total: { kind: 'counter', labels: ['namespace', 'service_name', 'task_queue', 'workflow_type'] },
  temporal_workflow_completed_total: { kind: 'counter', labels: ['namespace', 'service_name', 'task_queue', 'workflow_type'] },
  temporal_workflow_endtoend_latency: { kind: 'histogram', labels: ['namespace', 'service_name', 'task_queue', 'workflow_type'] },
  temporal_workflow_failed_total: { kind: 'counter', labels: ['namespace', 'service_name', 'task_queue', 'workflow_type'] },
  temporal_workflow_task_execution_failed_total: {
    kind: 'counter',
    labels: ['failure_reason', 'namespace', 'service_name', 'task_queue', 'workflow_type'],
  },
  temporal_workflow_task_execution_latency: {
    kind: 'histogram',
    labels: ['namespace', 'service_name', 'task_queue', 'workflow_type'],
  },
  temporal_workflow_task_queue_poll_succeed_total: { kind: 'counter', labels: ['namespace', 'service_name', 'task_queue'] },
  temporal_workflow_task_replay_latency: { kind: 'histogram', labels: ['namespace', 'service_name', 'task_queue', 'workflow_type'] },
  temporal_workflow_task_schedule_to_start_latency: { kind: 'histogram', labels: ['namespace', 'service_name', 'task_queue'] },
};

/** Labels Prometheus adds to every series of a scrape target. */
const TARGET_LABELS = ['instance', 'job'];
/** Grafana's own variables. */
const BUILTIN_VARIABLES = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__all']);

/** Every series name Prometheus holds, with the labels it may be selected or grouped by. */
export function seriesCatalog(metrics: Record<string, MetricSpec> = METRICS): Map<string, readonly string[]> {
  const known: Record<string, Known> = { ...TEMPORAL_METRICS };
  for (const m of Object.values(metrics)) known[exposedName(m)] = { kind: m.kind, labels: m.labels };
  const series = new Map<string, readonly string[]>();
  for (const [name, { kind, labels }] of Object.entries(known)) {
    const all = [...labels, ...TARGET_LABELS];
    if (kind !== 'histogram') series.set(name, all);
    else {
      series.set(`${name}_bucket`, [...all, 'le']);
      series.set(`${name}_sum`, all);
      series.set(`${name}_count`, all);
    }
  }
  return series;
}

export interface ParsedQuery {
  selectors: { metric: string; labels: string[] }[];
  /** The label lists of `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`, `group_left/right (…)`. */
  groupings: string[][];
  /** `$name` / `${name}` / `[[name]]` uses. */
  variables: string[];
}

const NOT_METRICS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);
const NOT_METRICS_CI = new Set(['inf', 'nan']);

/** Enough of PromQL for the dashboard's queries: selectors, their label matchers, groupings, Grafana variables. */
export function parsePromQL(expr: string): ParsedQuery {
  const variables = [...expr.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  const selectors: ParsedQuery['selectors'] = [];
  const groupings: string[][] = [];
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals (matcher values)
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries: [5m], [$window], [1h:1m]
    .replace(/\$\{\w+(?::\w+)?\}|\$\w+|\[\[\w+\]\]/g, ' ');
  s = s.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_all, list: string) => {
    groupings.push(
      list
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  s = s.replace(/([A-Za-z_:][\w:]*)?\s*\{([^}]*)\}/g, (_all, metric: string | undefined, matchers: string) => {
    selectors.push({ metric: metric ?? '', labels: [...matchers.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]) });
    return ' ';
  });
  for (const m of s.matchAll(/(?<![\w.:])([A-Za-z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    if (!NOT_METRICS.has(m[1]) && !NOT_METRICS_CI.has(m[1].toLowerCase())) selectors.push({ metric: m[1], labels: [] });
  }
  return { selectors, groupings, variables };
}

interface Target {
  refId?: string;
  expr?: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  current?: { value?: unknown };
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
const MAX_PANELS = 16;

/** What is wrong with `dash` against the series in `catalog`; empty when nothing is. */
export function dashboardProblems(dash: Dashboard, catalog: Map<string, readonly string[]> = seriesCatalog()): string[] {
  const problems: string[] = [];
  const defined = new Set(dash.templating.list.map((v) => v.name));
  const checkQuery = (where: string, expr: string, legend?: string) => {
    const q = parsePromQL(expr);
    if (q.selectors.length === 0) problems.push(`${where}: no metric in ${expr}`);
    for (const v of q.variables) if (!defined.has(v) && !BUILTIN_VARIABLES.has(v)) problems.push(`${where}: undefined variable $${v}`);
    const allowed: (readonly string[])[] = [];
    for (const { metric, labels } of q.selectors) {
      const known = catalog.get(metric);
      if (!known) {
        problems.push(`${where}: unknown metric "${metric}"`);
        continue;
      }
      allowed.push(known);
      for (const l of labels) if (!known.includes(l)) problems.push(`${where}: ${metric} has no label "${l}"`);
    }
    for (const group of q.groupings)
      for (const l of group)
        for (const known of allowed) if (!known.includes(l)) problems.push(`${where}: grouped by "${l}", which its metric does not have`);
    // A legend names labels the result still has: the grouping's (less le, which histogram_quantile consumes), or
    // without a grouping the metric's own.
    const kept = q.groupings.length > 0 ? q.groupings.flat().filter((l) => l !== 'le') : allowed.flat();
    for (const [, l] of (legend ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g))
      if (!kept.includes(l)) problems.push(`${where}: legend {{${l}}} is not a label of the result`);
  };

  const ids = new Set<number>();
  const visual = dash.panels.filter((p) => p.type !== 'row');
  if (visual.length > MAX_PANELS) problems.push(`${visual.length} panels, more than ${MAX_PANELS}`);
  for (const p of dash.panels) {
    if (ids.has(p.id)) problems.push(`panel id ${p.id} is used twice`);
    ids.add(p.id);
    const g = p.gridPos;
    if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24) problems.push(`panel ${p.id} "${p.title}": gridPos outside the 24 columns`);
    if (p.type === 'row') continue;
    for (const [, v] of p.title.matchAll(/\$(\w+)/g)) if (!defined.has(v)) problems.push(`panel ${p.id}: title uses undefined $${v}`);
    if (JSON.stringify(p.datasource) !== JSON.stringify(DATASOURCE))
      problems.push(`panel ${p.id} "${p.title}": datasource is not the DS_PROMETHEUS variable`);
    if (!p.targets?.length) problems.push(`panel ${p.id} "${p.title}": no query`);
    for (const t of p.targets ?? []) {
      const where = `panel ${p.id} "${p.title}" ${t.refId ?? '?'}`;
      if (t.datasource && JSON.stringify(t.datasource) !== JSON.stringify(DATASOURCE))
        problems.push(`${where}: datasource is not DS_PROMETHEUS`);
      if (!t.expr) problems.push(`${where}: no expr`);
      else checkQuery(where, t.expr, t.legendFormat);
    }
  }
  // No two panels on the same cells.
  for (const a of visual)
    for (const b of visual)
      if (a.id < b.id) {
        const [p, q] = [a.gridPos, b.gridPos];
        if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) problems.push(`panels ${a.id} and ${b.id} overlap`);
      }

  for (const v of dash.templating.list) {
    if (v.type !== 'query') continue;
    const text = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(text.trim());
    if (!m) {
      problems.push(`variable ${v.name}: not a label_values(metric, label) query: ${text}`);
      continue;
    }
    checkQuery(`variable ${v.name}`, m[1]);
    for (const { metric } of parsePromQL(m[1]).selectors)
      if (!catalog.get(metric)?.includes(m[2])) problems.push(`variable ${v.name}: ${metric} has no label "${m[2]}"`);
  }
  return problems;
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const loadDashboard = (): Dashboard => JSON.parse(read(DASHBOARD_FILE)) as Dashboard;

interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string | null>;
}
const compose = () => (parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> }).services;

/** Where a compose service sees a directory or file of the repository (bind mounts only). */
function mountedAt(service: ComposeService, repoPath: string): string | undefined {
  for (const v of service.volumes ?? []) {
    const [host, container] = v.split(':');
    if (host.startsWith('.') && posix.normalize(host) === posix.normalize(repoPath)) return container;
  }
  return undefined;
}

describe('the Grafana dashboard', () => {
  const dash = loadDashboard();

  it('asks only for series the worker serves, by labels they have', () => {
    expect(dashboardProblems(dash)).toEqual([]);
  });

  it('covers each of our metrics, and the SDK signals for scaling workers', () => {
    const used = new Set(
      dash.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => parsePromQL(t.expr ?? '').selectors.map((s) => s.metric))),
    );
    for (const m of Object.values(METRICS)) {
      const name = exposedName(m);
      expect(
        [name, `${name}_bucket`].some((n) => used.has(n)),
        name,
      ).toBe(true);
    }
    for (const n of [
      'temporal_workflow_task_schedule_to_start_latency_bucket',
      'temporal_activity_schedule_to_start_latency_bucket',
      'temporal_worker_task_slots_used',
      'temporal_worker_task_slots_available',
      'temporal_sticky_cache_size',
      'temporal_activity_execution_failed_total',
    ])
      expect(used.has(n), n).toBe(true);
  });

  it('has the data source, instance and task_queue variables', () => {
    const vars = Object.fromEntries(dash.templating.list.map((v) => [v.name, v]));
    expect(vars.DS_PROMETHEUS).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars.instance?.type).toBe('query');
    expect(vars.task_queue?.type).toBe('query');
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(36);
  });

  it('would notice a renamed metric or label', () => {
    const copy = JSON.parse(JSON.stringify(dash)) as Dashboard;
    const target = copy.panels.flatMap((p) => p.targets ?? []).find((t) => t.expr?.includes('evs_export_api_calls_total'));
    expect(target?.expr).toBeDefined();
    target!.expr = target!.expr!.replace('evs_export_api_calls_total', 'evs_export_api_call_total');
    expect(dashboardProblems(copy)).toEqual([expect.stringContaining('unknown metric "evs_export_api_call_total"')]);

    // The same dashboard against metric-names.ts with one metric renamed and one label gone.
    const renamed = {
      ...METRICS,
      compensations: { ...METRICS.compensations, name: 'evs_export_compensating_runs' },
      apiThrottles: { ...METRICS.apiThrottles, labels: ['service'] },
    };
    const problems = dashboardProblems(dash, seriesCatalog(renamed));
    expect(problems.some((p) => p.includes('unknown metric "evs_export_compensations_total"'))).toBe(true);
    expect(problems.some((p) => p.includes('grouped by "operation"'))).toBe(true);
  });

  it('reads PromQL the way the checks need', () => {
    const q = parsePromQL(
      'histogram_quantile(0.95, sum by (le, service) (rate(evs_export_api_call_seconds_bucket{instance=~"$instance", status!="a{b}"}[$__rate_interval])))',
    );
    expect(q.selectors).toEqual([{ metric: 'evs_export_api_call_seconds_bucket', labels: ['instance', 'status'] }]);
    expect(q.groupings).toEqual([['le', 'service']]);
    expect(q.variables).toEqual(['instance', '__rate_interval']);
    expect(
      parsePromQL('sum(up) by (job) / on (job) group_left count(x_total offset 5m) > bool 1e3').selectors.map((s) => s.metric),
    ).toEqual(['up', 'x_total']);
  });
});

describe('the observability profile', () => {
  const services = compose();
  const grafana = services.grafana;
  const prometheus = services.prometheus;

  it('is a profile, with pinned images', () => {
    for (const s of [grafana, prometheus]) {
      expect(s.profiles).toEqual(['observability']);
      expect(s.image).toMatch(/:\$\{\w+:-v?\d+\.\d+\.\d+\}$/);
      for (const p of s.ports ?? []) expect(p).toMatch(/^'?\$\{PUBLISH_IP:-127\.0\.0\.1\}:/);
    }
  });

  it("provisions the dashboard's folder and the data source the dashboard defaults to", () => {
    const provisioning = mountedAt(grafana, PROVISIONING_DIR);
    expect(provisioning).toBe('/etc/grafana/provisioning');

    const dashboardsDir = mountedAt(grafana, dirname(DASHBOARD_FILE));
    expect(dashboardsDir).toBeDefined();
    const providers = (
      parse(read(`${PROVISIONING_DIR}/dashboards/dashboards.yml`)) as { providers: { type: string; options: { path: string } }[] }
    ).providers;
    expect(providers.map((p) => [p.type, p.options.path])).toEqual([['file', dashboardsDir]]);
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${dashboardsDir}/${basename(DASHBOARD_FILE)}`);

    const sources = (
      parse(read(`${PROVISIONING_DIR}/datasources/prometheus.yml`)) as { datasources: { uid: string; type: string; url: string }[] }
    ).datasources;
    const dsVar = loadDashboard().templating.list.find((v) => v.name === 'DS_PROMETHEUS');
    expect(sources).toEqual([expect.objectContaining({ type: 'prometheus', uid: dsVar?.current?.value, url: 'http://prometheus:9090' })]);
  });

  it('scrapes every worker on the port the worker serves', () => {
    const configFile = prometheus.command?.find((a) => a.startsWith('--config.file='))?.split('=')[1];
    expect(mountedAt(prometheus, PROMETHEUS_FILE)).toBe(configFile);
    const config = parse(read(PROMETHEUS_FILE)) as {
      scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; type: string; port: number }[] }[];
    };
    const workerJob = config.scrape_configs.find((j) => j.dns_sd_configs?.some((d) => d.names.includes('worker')));
    expect(workerJob?.dns_sd_configs).toEqual([
      expect.objectContaining({ type: 'A', port: Number(services.worker.environment?.EVS_EXPORT_METRICS_PORT) }),
    ]);
  });
});
