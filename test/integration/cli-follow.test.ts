// Following a run as an operator does (issue 11, items 6 and 7): `export --wait` prints every phase in the
// runbook's order with each server's line under the phase it belongs to; `status` during approval shows the plan
// and who approved; `abort --wait` says "export cancelled" and what the run put right or left to finish.
import { describe, expect, it } from 'vitest';
import { progressChanges } from '../../src/cli/format';
import { type ExportPlan, type ExportProgress, exportWorkflowId, progressQuery, type ServerReport } from '../../src/workflows/api';
import { event, runCli, until, useHarness } from './harness';

const h = useHarness();
const cli = (taskQueue: string, ...args: string[]) => runCli(h, taskQueue, ...args);

/** The index of the only line matching `re`; fails the test unless exactly one does. */
function lineOf(lines: string[], re: RegExp): number {
  const found = lines.flatMap((l, i) => (re.test(l) ? [i] : []));
  expect(found, `one line matching ${re} in:\n${lines.join('\n')}`).toHaveLength(1);
  return found[0];
}

describe('progress lines', () => {
  const plan = { strategy: 'direct', stopServers: true, toStop: ['s1'], servers: [{ serverId: 's1', name: 'app' }] } as ExportPlan;
  const server = (state: ServerReport['state'], more: Partial<ServerReport> = {}): ServerReport => ({
    serverId: 's1',
    name: 'app',
    wasRunning: true,
    state,
    ...more,
  });
  const progress = (phase: ExportProgress['phase'], servers: ServerReport[], more: Partial<ExportProgress> = {}): ExportProgress => ({
    phase,
    volumeId: 'v1',
    imageName: 'img',
    plan,
    servers,
    startedAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:05.000Z',
    attention: [],
    jobFailures: [],
    ...more,
  });

  it('puts the steps a poll skipped in the runbook’s order, each server under its phase', () => {
    const awaiting = progress('awaiting-approval', [server('will-stop', { estimatedDowntimeMs: 200_000 })]);
    expect(progressChanges(undefined, awaiting)).toEqual([
      '10:00:05   app (s1): will stop (est. down 3 min 20 s)',
      '10:00:05 awaiting-approval — approve with: evs-export approve export-v1',
    ]);
    const stopping = progress('stopping', [server('stopping')], { approvedBy: 'alice' });
    expect(progressChanges(awaiting, stopping)).toEqual([
      '10:00:05 approved by alice',
      '10:00:05 stopping 1 server(s)',
      '10:00:05   app: stopping',
    ]);
    // One poll saw the stop end, the export requested and the upload begun.
    const uploading = progress('uploading', [server('stopped')], { approvedBy: 'alice', imageId: 'i1' });
    expect(progressChanges(stopping, uploading)).toEqual(['10:00:05   app: stopped', '10:00:05 exporting', '10:00:05 uploading image i1']);
    const done = progress('done', [server('restarted', { downtimeMs: 9500 })], { approvedBy: 'alice', imageId: 'i1' });
    expect(progressChanges(uploading, done)).toEqual([
      '10:00:05 restarting',
      '10:00:05   app: restarted (down 9.5 s)',
      '10:00:05 finishing',
      '10:00:05 done',
    ]);
  });

  it('puts a compensation’s restarts before the end it leads to', () => {
    const uploading = progress('uploading', [server('stopped')], { imageId: 'i1' });
    const cancelled = progress('cancelled', [server('restarted', { downtimeMs: 1000 })], { imageId: 'i1', error: 'cancelled' });
    expect(progressChanges(uploading, cancelled)).toEqual(['10:00:05   app: restarted (down 1.0 s)', '10:00:05 cancelled']);
  });
});

describe('evs-export following a run', () => {
  it('export --wait prints the stops before the export, every phase, and the restarts before done', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app-1' }, { name: 'app-2' }],
      volumes: [{ name: 'shared', size: 5, multiattach: true, attachedTo: ['app-1', 'app-2'] }],
    });
    await h.withWorker(async (tq) => {
      const r = await cli(tq, 'export', '--volume', s.volumes[0].id, '--image-name', 'ordered', '--wait');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      const phases = ['exporting', 'uploading image \\S+', 'restarting', 'finishing', 'done'].map((p) =>
        lineOf(lines, new RegExp(`^\\S+ ${p}$`)),
      );
      expect([...phases].sort((a, b) => a - b)).toEqual(phases);
      for (const name of ['app-1', 'app-2']) {
        expect(lineOf(lines, new RegExp(`^\\d\\d:\\d\\d:\\d\\d +${name}( \\(.+\\))?: stopped$`))).toBeLessThan(phases[0]);
        const restarted = lineOf(lines, new RegExp(`^\\d\\d:\\d\\d:\\d\\d +${name}( \\(.+\\))?: restarted`));
        expect(restarted).toBeGreaterThan(phases[2]);
        expect(restarted).toBeLessThan(phases[4]);
      }
    });
  }, 120_000);

  it('status during approval shows the plan and each server’s estimated downtime, then who approved', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app' }, { name: 'off', status: 'SHUTOFF' }],
      volumes: [{ name: 'd', size: 5, multiattach: true, attachedTo: ['app', 'off'] }],
    });
    const [app] = s.servers;
    const workflowId = exportWorkflowId(s.volumes[0].id);
    await h.withWorker(async (tq) => {
      const started = await cli(tq, 'export', '--volume', s.volumes[0].id, '--image-name', 'approved', '--require-approval');
      expect(started.code).toBe(0);
      const handle = h.client.workflow.getHandle(workflowId);
      await until(
        async () => (await handle.query(progressQuery).catch(() => undefined))?.phase === 'awaiting-approval',
        'awaiting approval',
      );

      const status = await cli(tq, 'status', workflowId);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`app \\(${app.id}\\): will stop \\(est\\. down \\d+ min( \\d+ s)?\\)`));
      expect(status.stdout).toContain(`awaiting-approval — approve with: evs-export approve ${workflowId}`);
      expect(status.stdout).toMatch(/^plan:$/m);
      expect(status.stdout).toMatch(
        /^note +expected downtime of each running server: direct about .+, snapshot about .+; this run uses direct$/m,
      );
      expect(status.stdout).toMatch(/off \(.+\) SHUTOFF → left as it is/);
      expect(h.admin.oracle().apiCalls.byOp['ecs.stop'] ?? 0).toBe(0);

      const approve = await cli(tq, 'approve', workflowId, '--by', 'alice');
      expect(approve.code).toBe(0);
      expect(approve.stdout).toContain(`approved ${workflowId} (by alice)`);
      await handle.result();
      const after = await cli(tq, 'status', workflowId);
      expect(after.stdout).toMatch(/^\S+ approved by alice$/m);
      expect(after.stdout).not.toMatch(/^plan:$/m);
    });
  }, 150_000);

  it('abort --wait says "export cancelled", the servers restarted and the image left to finish', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const volumeId = s.volumes[0].id;
    const workflowId = exportWorkflowId(volumeId);
    // The upload and the image wait for the test: the cancel lands mid-upload, the image is still being made.
    h.admin.setConfig({ timings: { uploadBaseMs: null, imageActivateMs: null } });
    await h.withWorker(async (tq) => {
      const waiting = cli(tq, 'export', '--volume', volumeId, '--image-name', 'aborted', '--wait');
      await event(h.admin, 'volume.uploading');
      const handle = h.client.workflow.getHandle(workflowId);
      const imageId = (await until(async () => (await handle.query(progressQuery)).imageId, 'the image id'))!;
      const aborting = cli(tq, 'abort', workflowId, '--wait');
      // P1: the servers restart only once the disk has left "uploading".
      await until(async () => (await handle.query(progressQuery)).phase === 'compensating', 'compensating');
      h.admin.advance({ kind: 'upload', id: volumeId });

      const abort = await aborting;
      expect(abort.code).toBe(0);
      expect(abort.stdout).toContain(`cancel requested for ${workflowId}`);
      const said = abort.stdout.split('\n').find((l) => l.startsWith('export cancelled'));
      expect(said).toContain(`servers restarted: app (${s.servers[0].id})`);
      expect(said).toMatch(new RegExp(`image ${imageId} \\(\\w+\\) is left to finish: the cloud cannot stop an upload`));
      expect(abort.stdout).not.toContain('Workflow canceled');

      const waited = await waiting;
      expect(waited.code).toBe(1);
      expect(waited.stderr.split('\n')[0]).toMatch(/^evs-export: export cancelled; servers restarted: app/);
      h.admin.advance({ kind: 'image', id: imageId });
    });
  }, 150_000);
});
