// Human output of the CLI and the demo: one line per change, so logs and terminals read the same.
import type { ExportDiskResult, ExportPlan, ExportProgress, ServerReport } from '../workflows/api';

const secs = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

export function formatPlan(plan: ExportPlan, problems: string[] = []): string {
  const lines = [
    `disk      ${plan.volumeName} (${plan.volumeId})`,
    `status    ${plan.volumeStatus}, ${plan.sizeGb} GB${plan.multiattach ? ', shared (multiattach)' : ''}${plan.bootable ? ', bootable' : ''}`,
    `servers   ${plan.servers.length === 0 ? 'none attached' : ''}`,
    ...plan.servers.map(
      (s) =>
        `  - ${s.name} (${s.serverId}) ${s.status}${s.taskState ? `/${s.taskState}` : ''}${s.locked ? ' locked' : ''} → ${s.wasRunning ? 'will be stopped and restarted' : 'left as it is'}`,
    ),
    `export    force=${plan.force}`,
    `deadlines stop ${secs(plan.deadlines.stopMs)}, upload ${secs(plan.deadlines.uploadMs)}, start ${secs(plan.deadlines.startMs)}`,
  ];
  if (problems.length > 0) lines.push('cannot export now:', ...problems.map((p) => `  - ${p}`));
  else lines.push(plan.toStop.length ? `would stop ${plan.toStop.length} server(s)` : 'would stop no server');
  return lines.join('\n');
}

function serverLine(s: ServerReport): string {
  return `${s.name}: ${s.state}${s.downtimeMs !== undefined ? ` (down ${secs(s.downtimeMs)})` : ''}${s.lastError ? ` — ${s.lastError}` : ''}`;
}

/** Lines describing what changed between two progress snapshots. */
export function progressChanges(prev: ExportProgress | undefined, next: ExportProgress): string[] {
  const out: string[] = [];
  const at = next.updatedAt.slice(11, 19);
  if (prev?.phase !== next.phase) {
    let detail = '';
    if (next.phase === 'planning' || next.phase === 'validating') detail = ` disk ${next.volumeId}`;
    if (next.phase === 'stopping') detail = ` ${next.plan?.toStop.length ?? 0} server(s)`;
    if (next.phase === 'uploading' && next.imageId) detail = ` image ${next.imageId}`;
    if (next.phase === 'awaiting-approval') detail = ` — approve with: evs-export approve export-${next.volumeId}`;
    out.push(`${at} ${next.phase}${detail}`);
  }
  for (const s of next.servers) {
    const before = prev?.servers.find((p) => p.serverId === s.serverId);
    if (!before || before.state !== s.state) {
      if (s.state !== 'untouched') out.push(`${at}   ${serverLine(s)}`);
    }
  }
  for (const a of next.attention) if (!prev?.attention.includes(a)) out.push(`${at}   ATTENTION ${a}`);
  return out;
}

export function formatResult(r: ExportDiskResult): string {
  const calls = Object.values(r.apiCalls).reduce((a, b) => a + b, 0);
  const wall = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  return [
    `image     ${r.imageName} (${r.imageId}) ${r.imageStatus}${r.adopted ? ' (adopted an export already in flight)' : ''}`,
    `took      ${secs(wall)}, ${calls} API calls`,
    ...r.servers.map((s) => `server    ${s.name}: ${s.wasRunning ? `${s.state}, downtime ${secs(s.downtimeMs)}` : 'was stopped, left stopped'}`),
  ].join('\n');
}
