// `npm run cluster`: the production topology without containers — PostgreSQL, the Temporal server (built from
// the Go module proxy at the version docker-compose.yml pins), its schemas, namespace and search attributes,
// N worker processes (one Worker Deployment Version, made current), the cloud simulator and the Temporal Web UI —
// each a background process, recorded in .data/cluster/pids.json, logging to .data/cluster/logs/.
// `npm run cluster -- --stop` stops them.
// See docs/cluster.md.
import { relative } from 'node:path';
import { showVersion } from '../src/worker-deployment';
import { clusterVersion } from './cluster/deployment';
import { down } from './cluster/down';
import { DEFAULT_OPTIONS, parseClusterArgs, USAGE } from './cluster/options';
import { clusterDirs, ROOT } from './cluster/paths';
import { alive, type ClusterState } from './cluster/processes';
import { up, type UpResult } from './cluster/up';
import { workerMetricsPort } from './cluster/apps';

const rel = (p: string) => relative(ROOT, p) || '.';

async function seededDisks(simUrl: string): Promise<string> {
  const r = await fetch(`${simUrl}/__sim/state`).catch(() => undefined);
  if (!r?.ok) return '';
  const { volumes } = (await r.json()) as { volumes: { id: string; name: string }[] };
  return volumes.length ? `\nDisks in the simulator:\n${volumes.map((v) => `  ${v.name.padEnd(16)} ${v.id}`).join('\n')}\n` : '';
}

function summary(s: ClusterState, r: UpResult): string {
  const d = clusterDirs(s.options.dataDir);
  const live = (kind: string) => s.processes.filter((p) => p.kind === kind && alive(p));
  const pids = (kind: string) =>
    live(kind)
      .map((p) => p.pid)
      .join(', ');
  const took = Object.entries(r.timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');
  // Wall time since this process started: loading the script itself counts too.
  const total = process.uptime();
  const v = clusterVersion(s.options);
  const version = r.version ?? (v ? showVersion(v) : 'unversioned');
  return `
Temporal ${s.pins.server} cluster ${r.alreadyRunning ? `already running (since ${s.startedAt})` : `up in ${total.toFixed(1)} s (${took})`}

PostgreSQL      127.0.0.1:${s.options.pgPort} (data in ${rel(d.pgData)}; pid ${pids('postgres')})
Temporal gRPC   ${s.temporalAddress} (namespace ${s.namespace}; pid ${pids('temporal')})
Web UI          ${s.uiUrl ?? `not running (${r.uiSkipped ?? 'see the log'})`}
Simulator       ${s.simUrl} (admin API under /__sim; pid ${pids('sim')})
Workers         ${live('worker').length} on task queue "${s.options.taskQueue}" (pids ${pids('worker') || 'none'})
Worker version  ${version}
Metrics         ${metricsUrls(s)}
Logs            ${rel(d.logs)}/

For the CLI:
${Object.entries(s.env)
  .map(([k, v]) => `  export ${k}=${v}`)
  .join('\n')}
`;
}

function metricsUrls(s: ClusterState): string {
  const n = s.processes.filter((p) => p.kind === 'worker').length;
  const urls = Array.from({ length: n }, (_, i) => `http://127.0.0.1:${workerMetricsPort(s.options, i + 1)}/metrics`);
  return urls.join(' ') || 'no worker';
}

async function main(): Promise<void> {
  const { stop, help, options } = parseClusterArgs(process.argv.slice(2));
  if (help) return console.log(USAGE);
  if (stop) {
    const stopped = await down(options.dataDir);
    console.log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing was running');
    return;
  }
  const r = await up(options);
  console.log(summary(r.state, r) + (await seededDisks(r.state.simUrl)));
  const dataDir = r.state.options.dataDir === DEFAULT_OPTIONS.dataDir ? '' : ` --data-dir ${rel(r.state.options.dataDir)}`;
  console.log(`Stop it all with: npm run cluster -- --stop${dataDir}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
