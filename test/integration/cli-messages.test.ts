// Messages that say what to do (issue 11, items 5 and 9): a failed whole-server export names the cause, not
// "Activity task failed"; an unknown schedule points to `schedule list`; a wrong Temporal address names the
// address and TEMPORAL_ADDRESS; `holds` lists every hold with server names and refuses an id that is no server.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportWorkflowId, holdWorkflowId } from '../../src/workflows/api';
import { event, type Harness, runCli, until, useHarness } from './harness';

const h = useHarness();
const cli = (taskQueue: string, ...args: string[]) => runCli(h, taskQueue, ...args);
const BIN = join(resolve(__dirname, '..', '..'), 'bin', 'evs-export.js');

/** The CLI with only these settings (no OS_* unless given). */
function cliWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const temporalOnly = (h: Harness, taskQueue: string) => ({ TEMPORAL_ADDRESS: h.address, TEMPORAL_TASK_QUEUE: taskQueue });
const firstLine = (text: string) => text.split('\n')[0];

describe('evs-export messages', () => {
  it('a failed export-server names the innermost cause and its type, not "Activity task failed"', async () => {
    const serverId = `no-such-server-${randomUUID().slice(0, 8)}`;
    await h.withWorker(async (tq) => {
      // No cloud settings: the CLI cannot check the server, so the run's plan refuses it.
      const r = await cliWith(temporalOnly(h, tq), 'export-server', '--server', serverId, '--wait');
      expect(r.code).toBe(1);
      expect(firstLine(r.stderr)).toBe(`evs-export: export failed (InvalidInput): serverId: no server "${serverId}" in this project`);
    });
  });

  it('an unknown schedule says it does not exist and where the schedules are listed', async () => {
    const r = await cli('unused', 'schedule', 'delete', 'no-such-schedule');
    expect(r.code).toBe(1);
    expect(firstLine(r.stderr)).toBe('evs-export: no schedule "no-such-schedule" exists; list them with: evs-export schedule list');
  });

  it('a Temporal address nobody answers on fails naming the address and TEMPORAL_ADDRESS', async () => {
    const r = await cliWith({ TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'status', 'export-x');
    expect(r.code).toBe(1);
    expect(firstLine(r.stderr)).toMatch(/^evs-export: cannot reach Temporal at 127\.0\.0\.1:1 \(TEMPORAL_ADDRESS\): connection refused/);
  });

  it('holds without an id lists every hold with server names, from the cloud or from the holder', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const [app] = s.servers;
    const volumeId = s.volumes[0].id;
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const started = await cli(tq, 'export', '--volume', volumeId, '--image-name', 'held');
      expect(started.code).toBe(0);
      await event(h.admin, 'volume.uploading');
      // The list reads Temporal's visibility, which may lag a moment behind the hold's start.
      const all = await until(async () => {
        const r = await cli(tq, 'holds');
        return r.stdout.includes(`server app (${app.id}): held`) ? r : undefined;
      }, 'the hold in the list');
      expect(all.code).toBe(0);
      expect(all.stdout).toContain(`held by ${exportWorkflowId(volumeId)}`);
      // Without cloud settings the name comes from the holder's own progress.
      const noCloud = await cliWith(temporalOnly(h, tq), 'holds');
      expect(noCloud.stdout).toContain(`server app (${app.id}): held, was running before the first holder`);

      h.admin.advance({ kind: 'upload', id: volumeId });
      await h.client.workflow.getHandle(exportWorkflowId(volumeId)).result();
      await until(
        async () => (await h.client.workflow.getHandle(holdWorkflowId(app.id)).describe()).status.name !== 'RUNNING',
        'the hold ends',
      );
      expect((await cli(tq, 'holds')).stdout.trim()).toBe(`no server is held by any export (task queue ${tq})`);
    });
  }, 150_000);

  it('holds of one server names it; an id that is no server is refused, not reported as "not held"', async () => {
    const s = h.admin.seed({ servers: [{ name: 'idle' }] });
    const notHeld = await cli('unused', 'holds', s.servers[0].id);
    expect(notHeld.code).toBe(0);
    expect(notHeld.stdout.trim()).toBe(`server idle (${s.servers[0].id}): not held by any export`);
    const noServer = await cli('unused', 'holds', 'no-such-server');
    expect(noServer.code).toBe(2);
    expect(firstLine(noServer.stderr)).toBe(
      'evs-export: holds: no server "no-such-server" in this project; `evs-export holds` without an id lists every held server',
    );
  });
});
