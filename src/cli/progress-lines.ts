// The lines a follower prints for a per-disk run, in the runbook's order. A follower polls, so one poll can
// see several steps at once (the servers stopped, the export requested and the upload begun): the phases it
// polled past are inferred from the runbook, and every line is placed under the phase it belongs to — the
// servers' "stopped" before "uploading", their restarts before "done".
import type { ExportProgress, Phase, ServerReport, ServerState } from '../workflows/api';
import { serverLine } from './server-lines';

const DIRECT: Phase[] = [
  'validating',
  'planning',
  'awaiting-approval',
  'stopping',
  'exporting',
  'uploading',
  'restarting',
  'finishing',
  'done',
];
const SNAPSHOT: Phase[] = [
  'validating',
  'planning',
  'awaiting-approval',
  'stopping',
  'snapshotting',
  'restarting',
  'copying',
  'exporting',
  'uploading',
  'finishing',
  'cleaning-up',
  'done',
];
const ENDINGS: Phase[] = ['compensating', 'failed', 'cancelled'];

/** Putting things right after a failure or a cancel: the restarts belong to that, not to the runbook's step. */
function compensating(p: ExportProgress): boolean {
  return p.error !== undefined || ENDINGS.includes(p.phase);
}

/** The phases in the order this run goes through them. */
function runbook(p: ExportProgress): Phase[] {
  const forward = p.plan?.strategy === 'snapshot' ? SNAPSHOT : DIRECT;
  if (!compensating(p)) return forward;
  // The snapshot strategy removes its temporaries while compensating, too.
  return [...forward.filter((x) => x !== 'cleaning-up' && x !== 'done'), 'compensating', 'cleaning-up', 'failed', 'cancelled'];
}

/** The phase a server's state is reported in. */
function phaseOf(state: ServerState, p: ExportProgress): Phase {
  if (state === 'will-stop' || state === 'untouched') return 'planning';
  if (state === 'stopping' || state === 'stopped') return 'stopping';
  return compensating(p) ? 'compensating' : 'restarting';
}

/** Whether a phase between two polls must have happened in this run. */
function happened(phase: Phase, p: ExportProgress): boolean {
  const touchesServers = (p.plan?.servers.length ?? 0) > 0 && p.plan?.stopServers !== false;
  if (phase === 'awaiting-approval') return p.approvedBy !== undefined;
  if (phase === 'stopping' || phase === 'restarting') return touchesServers;
  return phase !== 'validating';
}

/** The phases a follower polled past between `prev` and `next`, then `next`'s own. */
function newPhases(prev: ExportProgress, next: ExportProgress): Phase[] {
  const order = runbook(next);
  const from = order.indexOf(prev.phase);
  const to = order.indexOf(next.phase);
  // Only forward along the runbook with a plan: a re-run that finds its image goes from planning to done.
  if (compensating(next) || !next.plan || from < 0 || to <= from) return [next.phase];
  return [...order.slice(from + 1, to).filter((x) => happened(x, next)), next.phase];
}

function phaseLine(phase: Phase, p: ExportProgress): string {
  let detail = '';
  if (phase === 'planning' || phase === 'validating') detail = ` disk ${p.volumeId}`;
  if (phase === 'stopping') detail = ` ${p.plan?.toStop.length ?? 0} server(s)`;
  if (phase === 'uploading' && p.imageId) detail = ` image ${p.imageId}`;
  if (phase === 'snapshotting' && p.temporary) detail = ` ${p.temporary.snapshotName}`;
  if (phase === 'copying' && p.temporary) detail = ` temporary disk ${p.temporary.volumeName}`;
  if (phase === 'awaiting-approval') detail = ` — approve with: evs-export approve export-${p.volumeId}`;
  return `${phase}${detail}`;
}

const ADMISSION_LINE =
  "  waiting for its admission: the account's API budget paces the stops (EVS_EXPORT_ADMISSION); the servers still run";

function changedServers(prev: ExportProgress | undefined, next: ExportProgress): { s: ServerReport; first: boolean }[] {
  return next.servers.flatMap((s) => {
    const before = prev?.servers.find((p) => p.serverId === s.serverId);
    // The first time a server is shown it carries its id too; later lines name it only.
    return (!before || before.state !== s.state) && s.state !== 'untouched' ? [{ s, first: !before || before.state === 'untouched' }] : [];
  });
}

/**
 * Lines describing what changed between two progress snapshots, in the order the runbook did it. The first
 * snapshot (`prev` undefined: `status`, or the first poll of a follower) is the run so far, in the same order.
 */
export function progressChanges(prev: ExportProgress | undefined, next: ExportProgress): string[] {
  const at = next.updatedAt.slice(11, 19);
  const order = runbook(next);
  const rank = (phase: Phase) => {
    const i = order.indexOf(phase);
    return i < 0 ? order.length : i;
  };
  const phases = !prev ? [next.phase] : prev.phase !== next.phase ? newPhases(prev, next) : [];
  const approved = next.approvedBy !== undefined && prev?.approvedBy === undefined ? [`approved by ${next.approvedBy}`] : [];
  const admission = next.awaitingAdmission && !prev?.awaitingAdmission ? [ADMISSION_LINE] : [];
  const entries = [
    ...phases.map((ph) => ({ rank: rank(ph), line: phaseLine(ph, next) })),
    ...approved.map((line) => ({ rank: rank('awaiting-approval') + 0.5, line })),
    ...admission.map((line) => ({ rank: rank('stopping') + 0.25, line })),
    ...changedServers(prev, next).map(({ s, first }) => ({ rank: rank(phaseOf(s.state, next)) + 0.5, line: `  ${serverLine(s, first)}` })),
  ];
  // A stable sort: within one phase, the runbook's own order of servers stays.
  entries.sort((a, b) => a.rank - b.rank);
  const attention = next.attention.filter((a) => !prev?.attention.includes(a)).map((a) => `  ATTENTION ${a}`);
  return [...entries.map((e) => e.line), ...attention].map((l) => `${at} ${l}`);
}
