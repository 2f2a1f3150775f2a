// How the CLI names a server and says how it stands: by name, with its id where it is first shown (the id is
// what `evs-export holds` and the cloud's own tools take).
import type { ServerReport } from '../workflows/api';
import { formatDuration } from '../workflows/estimates';

export const secs = (ms?: number) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

export function serverName(s: { name?: string; serverId: string }, withId = true): string {
  if (!s.name) return s.serverId;
  return withId ? `${s.name} (${s.serverId})` : s.name;
}

/** "will stop (est. down 3 min 20 s)", "stopped", "restarted (down 31.7 s)", "held-by-others (by export-…)". */
export function serverState(s: ServerReport): string {
  if (s.state === 'will-stop') {
    return `will stop${s.estimatedDowntimeMs !== undefined ? ` (est. down ${formatDuration(s.estimatedDowntimeMs)})` : ''}`;
  }
  const down = s.downtimeMs !== undefined ? ` (down ${secs(s.downtimeMs)})` : '';
  const by = s.state === 'held-by-others' && s.heldBy?.length ? ` (by ${s.heldBy.join(', ')})` : '';
  return `${s.state}${down}${by}${s.lastError ? ` — ${s.lastError}` : ''}`;
}

export function serverLine(s: ServerReport, withId = false): string {
  return `${serverName(s, withId)}: ${serverState(s)}`;
}
