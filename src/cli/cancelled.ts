// What a cancelled run put right and what it left, in one line from its last progress: the operator asked
// for the cancel, so "failed: Workflow canceled" would say nothing they need.
import type { ExportProgress, ServerExportProgress, ServerReport } from '../workflows/api';
import { serverName } from './server-lines';

/** Image states that mean the image failed: nothing is left of it to mention. */
const GONE_IMAGE = ['killed', 'deleted'];

const NOT_ANSWERED = "export cancelled (no worker answered the progress query: the run's history says what it restarted)";

/** Where each server the run touched stands now. */
function serversAfter(servers: ServerReport[]): string[] {
  const named = (...states: string[]) =>
    servers
      .filter((s) => states.includes(s.state))
      .map((s) => serverName(s))
      .join(', ');
  const said = [
    ['servers restarted', named('restarted')],
    ['left stopped as asked', named('left-stopped')],
    ['still held stopped by other exports', named('held-by-others')],
    ['NOT running yet (see `evs-export holds <server id>`)', named('stopping', 'stopped', 'restarting', 'restart-failing')],
  ].flatMap(([what, who]) => (who ? [`${what}: ${who}`] : []));
  return said.length ? said : ['no server was stopped'];
}

function imageLeft(imageId: string, status: string | undefined): string {
  if (status === 'active') return `image ${imageId} was made (active); delete it if you do not want it`;
  return (
    `image ${imageId} (${status ?? 'status unknown'}) is left to finish: the cloud cannot stop an upload; ` +
    'delete it afterwards if you do not want it'
  );
}

export function cancelledText(p: ExportProgress | undefined): string {
  if (!p) return NOT_ANSWERED;
  const image = p.imageId && !GONE_IMAGE.includes(p.imageStatus ?? '') ? [imageLeft(p.imageId, p.imageStatus)] : [];
  const attention = p.attention.length ? [`needs attention: ${p.attention.join('; ')}`] : [];
  return ['export cancelled', ...serversAfter(p.servers), ...image, ...attention].join('; ');
}

export function serverExportCancelledText(p: ServerExportProgress | undefined): string {
  if (!p) return NOT_ANSWERED;
  const images = p.disks.filter((d) => d.imageId && d.state !== 'done').map((d) => d.imageId);
  const left = images.length
    ? [`images already requested are left to finish: ${images.join(', ')}; delete them if you do not want them`]
    : [];
  const attention = p.attention.length ? [`needs attention: ${p.attention.join('; ')}`] : [];
  return ['export cancelled', ...serversAfter(p.servers), ...left, ...attention].join('; ');
}
