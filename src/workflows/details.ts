// Markdown for the Web UI's "current details" panel. Pure, so the workflow can call it on every phase change.
import type { ExportProgress } from './api';

export function renderDetails(p: ExportProgress): string {
  const lines = [
    `**Phase:** ${p.phase}`,
    `**Disk:** ${p.volumeId}${p.plan ? ` (${p.plan.sizeGb} GB, ${p.plan.volumeStatus}${p.plan.multiattach ? ', shared' : ''})` : ''}`,
    `**Image:** ${p.imageName}${p.imageId ? ` — ${p.imageId}${p.imageStatus ? ` (${p.imageStatus})` : ''}` : ''}`,
  ];
  if (p.servers.length > 0) {
    lines.push('', '| server | was running | state | downtime |', '|---|---|---|---|');
    for (const s of p.servers) {
      const downtime = s.downtimeMs !== undefined ? `${(s.downtimeMs / 1000).toFixed(1)} s` : '';
      lines.push(`| ${s.name} (${s.serverId}) | ${s.wasRunning ? 'yes' : 'no'} | ${s.state} | ${downtime} |`);
    }
  }
  if (p.plan) lines.push('', `**Strategy:** ${p.plan.strategy}`, ...(p.plan.notes ?? []).map((n) => `- ${n}`));
  const t = p.temporary;
  if (t) {
    const state = (id?: string, gone?: string) => (gone ? 'deleted' : id ? 'exists' : 'not created');
    lines.push(`**Snapshot:** ${t.snapshotId ?? t.snapshotName} (${state(t.snapshotId, t.snapshotDeletedAt)})`);
    lines.push(`**Temporary disk:** ${t.volumeId ?? t.volumeName} (${state(t.volumeId, t.volumeDeletedAt)})`);
  }
  if (p.phase === 'awaiting-approval') lines.push('', 'Waiting for the **approve** update (or cancel to abort).');
  if (p.attention.length > 0) lines.push('', '**Needs attention:**', ...p.attention.map((a) => `- ${a}`));
  if (p.error) lines.push('', `**Error:** ${p.error}`);
  return lines.join('\n');
}
