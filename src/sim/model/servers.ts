// Batch stop/start of ECS servers. The request-level checks (unknown, locked, task_state busy) are the
// handler's; here each accepted server walks its transition: stop = ACTIVE+powering-off → SHUTOFF,
// start = SHUTOFF+powering-on → ACTIVE, each after its configured duration (or by hand when null).
import { createJob, finishSubJob } from './jobs';
import type { JobRec, ServerRec } from './records';
import type { World } from './world';

export interface BatchOptions {
  hard?: boolean;
  /** Servers whose sub-job must fail (job-fail fault): state unchanged, sub-job FAIL with this code. */
  fail?: Map<string, { code: string; reason: string }>;
}

export function runBatch(w: World, action: 'stop' | 'start', servers: ServerRec[], o: BatchOptions = {}): JobRec {
  const job = createJob(
    w,
    action,
    servers.map((s) => s.id),
  );
  servers.forEach((s, i) => begin(w, action, s, job.id, (failure) => finishSubJob(w, job, job.subJobs[i], failure), o));
  return job;
}

/**
 * One server's stop or start outside any job: Nova's per-server `os-stop` / `os-start` (ecs/nova.ts), whose
 * conflicts (409) the caller checks first. Events carry `jobId: null`.
 */
export function powerServer(w: World, action: 'stop' | 'start', s: ServerRec, o: { hard?: boolean } = {}): void {
  begin(w, action, s, null, () => undefined, o);
}

type Done = (failure?: { code: string; reason: string }) => void;

function begin(w: World, action: 'stop' | 'start', s: ServerRec, jobId: string | null, done: Done, o: BatchOptions): void {
  const t = w.config.timings;
  const ms = action === 'start' ? t.startMs : o.hard ? t.hardStopMs : t.stopMs;
  // Only a pending job-fail leaves task_state null, so a new request may meet it: settle it first.
  if (w.engine.has(action, s.id)) w.engine.advance(action, s.id);
  const failure = o.fail?.get(s.id);
  if (failure) {
    // The job runs as long as a real one would, then reports failure; the server never moves.
    w.engine.schedule(action, s.id, ms, () => done(failure));
    return;
  }
  const target = action === 'stop' ? 'stopped' : 'active';
  // Assumption (cloud-api.md §8.3 leaves it open): a server already in the target state succeeds at once.
  if (s.vmState === target) return done();
  if (action === 'start' && s.vmState === 'error') return done({ code: 'Ecs.0226', reason: 'Failed to start.' });

  s.taskState = action === 'stop' ? 'powering-off' : 'powering-on';
  w.touchServer(s);
  w.events.emit(action === 'stop' ? 'server.stopping' : 'server.starting', { serverId: s.id, jobId, hard: !!o.hard });
  w.engine.schedule(action, s.id, ms, () => {
    s.vmState = target;
    s.taskState = null;
    s.powerState = action === 'stop' ? 4 : 1;
    w.touchServer(s);
    w.events.emit(action === 'stop' ? 'server.stopped' : 'server.started', { serverId: s.id, jobId });
    done();
  });
}
