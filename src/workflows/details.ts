// Markdown for the Web UI's "current details" panel. Pure, so the workflow can call it on every phase change.
// Lists, not tables: the Web UI runs a table's cells together ("restarted31.7 s").
import type { ExportProgress, ServerReport } from './api';
import { formatDuration } from './estimates';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One server as a person reads it: what happened to it, and for how long it was down. */
export function serverState(s: ServerReport): string {
  if (s.state === 'will-stop')
    return `will stop${s.estimatedDowntimeMs !== undefined ? ` (expected down ${formatDuration(s.estimatedDowntimeMs)})` : ''}`;
  const state = s.state === 'untouched' ? (s.wasRunning ? 'untouched' : 'not running, untouched') : s.state;
  return `${state}${s.downtimeMs !== undefined ? `, downtime ${secs(s.downtimeMs)}` : ''}${s.lastError ? ` — ${s.lastError}` : ''}`;
}

export function renderDetails(p: ExportProgress): string {
  const lines = [
    `Export disk ${p.volumeId} → image ${p.imageName}`,
    '',
    `**Phase:** ${p.phase}`,
    `**Disk:** ${p.volumeId}${p.plan ? ` (${p.plan.sizeGb} GB, ${p.plan.volumeStatus}${p.plan.multiattach ? ', shared' : ''})` : ''}`,
    `**Image:** ${p.imageName}${p.imageId ? ` — ${p.imageId}${p.imageStatus ? ` (${p.imageStatus})` : ''}` : ''}`,
  ];
  if (p.approvedBy) lines.push(`**Approved by:** ${p.approvedBy}`);
  // A blank line before each list: the Web UI's markdown makes no list of lines right under a paragraph.
  if (p.servers.length > 0)
    lines.push('', '**Servers:**', '', ...p.servers.map((s) => `- **${s.name}** (${s.serverId}): ${serverState(s)}`));
  if (p.plan) lines.push('', `**Strategy:** ${p.plan.strategy}`, '', ...(p.plan.notes ?? []).map((n) => `- ${n}`));
  const t = p.temporary;
  if (t) {
    const state = (id?: string, gone?: string) => (gone ? 'deleted' : id ? 'exists' : 'not created');
    lines.push(`**Snapshot:** ${t.snapshotId ?? t.snapshotName} (${state(t.snapshotId, t.snapshotDeletedAt)})`);
    lines.push(`**Temporary disk:** ${t.volumeId ?? t.volumeName} (${state(t.volumeId, t.volumeDeletedAt)})`);
  }
  if (p.phase === 'awaiting-approval') lines.push('', 'Waiting for the **approve** update (or cancel to abort).');
  if (p.awaitingAdmission)
    lines.push('', "Waiting for its **admission**: the account's API budget paces the stops; the servers still run.");
  if (p.attention.length > 0) lines.push('', '**Needs attention:**', '', ...p.attention.map((a) => `- ${a}`));
  if (p.error) lines.push('', `**Error:** ${p.error}`);
  return lines.join('\n');
}

/** The approval wait's name in the Web UI's timeline: who will stop, for about how long. */
export function approvalSummary(servers: ServerReport[]): string {
  const stopping = servers.filter((s) => s.state === 'will-stop');
  const est = stopping[0]?.estimatedDowntimeMs;
  const who = stopping.length
    ? `${stopping.map((s) => s.name).join(', ')} will stop${est ? ` (about ${formatDuration(est)} each)` : ''}`
    : 'no server will stop';
  return `awaiting approval: ${who} — More Actions → Send an Update → approve`;
}

/** The result's first line: the image and each server's downtime. */
export function resultSummary(imageName: string, imageId: string, imageStatus: string, servers: ServerReport[]): string {
  const down = servers.filter((s) => s.downtimeMs !== undefined).map((s) => `${s.name} down ${secs(s.downtimeMs!)}`);
  return [`image ${imageName} (${imageId}) ${imageStatus}`, ...down].join('; ');
}
