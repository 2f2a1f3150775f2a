// Human output of the CLI and the demo: one line per change, so logs and terminals read the same.
import type {
  ExportDiskResult,
  ExportPlan,
  ExportServerResult,
  PlannedServer,
  ServerExportProgress,
  ServerReport,
  TemporaryResources,
} from '../workflows/api';
import { secs, serverLine, serverName } from './server-lines';

// A per-disk run's lines keep the runbook's order (progress-lines.ts); the demo and the CLI take them from here.
export { progressChanges } from './progress-lines';

function plannedServerLine(s: PlannedServer, stopServers = true): string {
  const fate = s.wasRunning && stopServers ? 'will be stopped and restarted' : 'left as it is';
  return `  - ${s.name} (${s.serverId}) ${s.status}${s.taskState ? `/${s.taskState}` : ''}${s.locked ? ' locked' : ''} → ${fate}`;
}

function diskFacts(plan: ExportPlan): string {
  return `${plan.volumeStatus}, ${plan.sizeGb} GB${plan.multiattach ? ', shared (multiattach)' : ''}${plan.bootable ? ', bootable' : ''}`;
}

export function formatPlan(plan: ExportPlan, problems: string[] = []): string {
  const lines = [
    `disk      ${plan.volumeName} (${plan.volumeId})`,
    `status    ${diskFacts(plan)}`,
    `servers   ${plan.servers.length === 0 ? 'none attached' : ''}`,
    ...plan.servers.map((s) => plannedServerLine(s, plan.stopServers)),
    `strategy  ${plan.strategy}${plan.strategy === 'direct' ? `, force=${plan.force}` : ''}`,
    `deadlines stop ${secs(plan.deadlines.stopMs)}, upload ${secs(plan.deadlines.uploadMs)}, start ${secs(plan.deadlines.startMs)}` +
      (plan.strategy === 'snapshot' ? `, snapshot ${secs(plan.deadlines.snapshotMs)}, copy ${secs(plan.deadlines.copyMs)}` : ''),
    ...(plan.notes ?? []).map((n) => `note      ${n}`),
  ];
  if (problems.length > 0) lines.push('cannot export now:', ...problems.map((p) => `  - ${p}`));
  else lines.push(plan.toStop.length ? `would stop ${plan.toStop.length} server(s)` : 'would stop no server');
  return lines.join('\n');
}

function restoredAs(s: ServerReport): string {
  return s.wasRunning ? `${s.state}, downtime ${secs(s.downtimeMs)}` : 'was stopped, left stopped';
}

/** The snapshot strategy's resources: what was made and when it went. */
export function temporaryLines(t: TemporaryResources | undefined): string[] {
  if (!t) return [];
  const line = (what: string, id: string | undefined, name: string, made?: string, gone?: string) =>
    `${what}${id ?? name}${made ? `, created ${made.slice(11, 19)}` : ''}${gone ? `, deleted ${gone.slice(11, 19)}` : id ? ', NOT deleted' : ''}`;
  return [
    line('snapshot  ', t.snapshotId, t.snapshotName, t.snapshotCreatedAt, t.snapshotDeletedAt),
    line('copy      ', t.volumeId, t.volumeName, t.volumeCreatedAt, t.volumeDeletedAt),
  ];
}

export function formatResult(r: ExportDiskResult): string {
  const calls = Object.values(r.apiCalls).reduce((a, b) => a + b, 0);
  const wall = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
  return [
    `image     ${r.imageName} (${r.imageId}) ${r.imageStatus}${r.adopted ? ' (adopted an export already in flight)' : ''}`,
    `took      ${secs(wall)}, ${calls} API calls${r.strategy === 'snapshot' ? ', snapshot strategy' : ''}`,
    ...r.servers.map((s) => `server    ${serverName(s)}: ${restoredAs(s)}`),
    ...temporaryLines(r.temporary),
  ].join('\n');
}

type DiskRun = ServerExportProgress['disks'][number];

function diskLine(d: DiskRun, p: ServerExportProgress): string {
  const planned = p.plan?.disks.find((x) => x.volumeId === d.volumeId);
  const disk = planned?.device ? `${planned.device} (${d.volumeId})` : d.volumeId;
  const name = planned ? `${disk} → ${planned.imageName}` : disk;
  return `disk ${name}: ${d.state}${d.imageId ? `, image ${d.imageId}` : ''}${d.error ? ` — ${d.error}` : ''}`;
}

/** Lines describing what changed between two progress snapshots of a whole-server export (no timestamps: it has none). */
export function serverProgressChanges(prev: ServerExportProgress | undefined, next: ServerExportProgress): string[] {
  const out: string[] = [];
  if (prev?.phase !== next.phase) {
    let detail = '';
    if (next.phase === 'stopping') detail = ` ${next.plan?.toStop.length ?? 0} server(s)`;
    if (next.phase === 'exporting') detail = ` ${next.disks.length} disk(s)`;
    out.push(`${next.phase}${detail}`);
  }
  for (const d of next.disks) {
    const before = prev?.disks.find((p) => p.volumeId === d.volumeId);
    if (!before || before.state !== d.state) out.push(`  ${diskLine(d, next)}`);
  }
  // Every server of the set is shown once, untouched ones too: each is attached to a disk of the set.
  for (const s of next.servers) {
    const before = prev?.servers.find((p) => p.serverId === s.serverId);
    if (!before || before.state !== s.state) out.push(`  ${serverLine(s, !before)}`);
  }
  for (const a of next.attention) if (!prev?.attention.includes(a)) out.push(`  ATTENTION ${a}`);
  return out;
}

export function formatServerResult(r: ExportServerResult): string {
  return [
    `set tag  ${r.setTag}`,
    ...r.images.map((i) => `image    ${i.imageName} (${i.imageId}) ${i.imageStatus} from ${i.device ?? i.volumeId}`),
    ...r.servers.map((s) => `server   ${serverName(s)}: ${s.state}${s.downtimeMs !== undefined ? `, downtime ${secs(s.downtimeMs)}` : ''}`),
  ].join('\n');
}
