// The `evs-export` CLI as a user runs it: a child process with the Temporal and OS_* environment.
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import { exportServerWorkflowId, exportWorkflowId } from '../../src/workflows/api';
import { event, runCli, until, useHarness } from './harness';

const h = useHarness();
const cli = (taskQueue: string, ...args: string[]) => runCli(h, taskQueue, ...args);

describe('evs-export', () => {
  it('refuses bad input with exit code 2, naming the field and value, and starts nothing', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const r = await cli('unused', 'export', '--volume', s.volumes[0].id, '--image-name', ' leading-space');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('imageName');
    expect(r.stderr).toContain('" leading-space"');
    expect(h.admin.oracle().apiCalls.total).toBe(0);
  });

  it('runs a snapshot export from the CLI: inspect shows both strategies, --no-stop alone is refused', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const volumeId = s.volumes[0].id;
    const refused = await cli('unused', 'export', '--volume', volumeId, '--image-name', 'x', '--no-stop');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stopServers');
    const inspect = await cli('unused', 'inspect', '--volume', volumeId, '--strategy', 'snapshot');
    expect(inspect.stdout).toMatch(/strategy\s+snapshot/);
    expect(inspect.stdout).toMatch(/expected downtime of each running server: direct about .*, snapshot about/);
    await h.withWorker(async (tq) => {
      const done = await cli(tq, 'export', '--volume', volumeId, '--image-name', 'snap-cli', '--strategy', 'snapshot', '--wait');
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/took .*snapshot strategy/);
      expect(done.stdout).toMatch(/snapshot\s+\S+, created \S+, deleted/);
    });
  });

  it('inspects, exports and waits, refuses a second export naming the running one, and shows holds', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app' }, { name: 'off', status: 'SHUTOFF' }],
      volumes: [{ name: 'd', size: 5, multiattach: true, attachedTo: ['app', 'off'] }],
    });
    const volumeId = s.volumes[0].id;
    const inspect = await cli('unused', 'inspect', '--volume', volumeId, '--json');
    expect(inspect.code).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ exportable: true, plan: { volumeId, toStop: [s.servers[0].id] } });
    expect(h.admin.oracle().apiCalls.byOp['ecs.stop'] ?? 0).toBe(0);

    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const running = cli(tq, 'export', '--volume', volumeId, '--image-name', 'from-cli', '--wait');
      await event(h.admin, 'volume.uploading');
      const second = await cli(tq, 'export', '--volume', volumeId, '--image-name', 'again');
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`already running: workflow ${exportWorkflowId(volumeId)}`);
      const holds = await cli(tq, 'holds', s.servers[0].id);
      expect(holds.stdout).toContain(`held by ${exportWorkflowId(volumeId)}`);
      h.admin.advance({ kind: 'upload', id: volumeId });
      const done = await running;
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/uploading image/);
      expect(done.stdout).toMatch(/image\s+from-cli \(.+\) active/);
      expect(done.stdout).toContain(`server    app (${s.servers[0].id}): restarted, downtime`);
    });
  });

  it('shows and follows a whole-server export: its phase, each disk and each server', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'web' }],
      volumes: [
        { name: 'web-sys', size: 10, bootable: true, attachedTo: ['web'], device: '/dev/vda' },
        { name: 'web-data', size: 5, attachedTo: ['web'], device: '/dev/vdb' },
      ],
    });
    const workflowId = exportServerWorkflowId(s.servers[0].id);
    const [sys, data] = s.volumes.map((v) => v.id);
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const started = await cli(tq, 'export-server', '--server', s.servers[0].id);
      expect(started.code).toBe(0);
      expect(started.stdout).toContain(`started ${workflowId}`);
      expect(started.stdout).toContain(`follow it with: evs-export status ${workflowId} --follow`);
      await until(() => h.admin.oracle().exports.length === 2, 'both uploads');

      const status = await cli(tq, 'status', workflowId);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`${workflowId} RUNNING`);
      expect(status.stdout).toMatch(/^exporting 2 disk\(s\)$/m);
      expect(status.stdout).toContain(`disk /dev/vda (${sys}) → web-vda: running`);
      expect(status.stdout).toContain(`disk /dev/vdb (${data}) → web-vdb: running`);
      expect(status.stdout).toContain(`web (${s.servers[0].id}): stopped`);
      const json = await cli(tq, 'status', workflowId, '--json');
      const progress = {
        phase: 'exporting',
        disks: [
          { volumeId: sys, state: 'running' },
          { volumeId: data, state: 'running' },
        ],
      };
      expect(JSON.parse(json.stdout)).toMatchObject({ workflowId, status: 'RUNNING', progress });

      const following = cli(tq, 'status', workflowId, '--follow');
      for (const id of [sys, data]) h.admin.advance({ kind: 'upload', id });
      const followed = await following;
      expect(followed.code).toBe(0);
      expect(followed.stdout).toMatch(/^set tag\s+set-/m);
      expect(followed.stdout).toMatch(/^image\s+web-vda \(.+\) active from \/dev\/vda$/m);
      expect(followed.stdout).toMatch(/^server\s+web \(.+\): restarted, downtime/m);
    });
  });

  it('says what to do: approve when nothing awaits approval, status given a disk id', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const volumeId = s.volumes[0].id;
    const wrongId = await cli('unused', 'status', volumeId);
    expect(wrongId.code).toBe(1);
    expect(wrongId.stderr.split('\n')[0]).toContain(`use: evs-export status export-${volumeId}`);
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    await h.withWorker(async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId, imageName: 'no-approval' });
      await event(h.admin, 'volume.uploading');
      const approve = await cli(tq, 'approve', handle.workflowId);
      expect(approve.code).toBe(1);
      expect(approve.stderr.split('\n')[0]).toMatch(/nothing to approve: the export is in phase (uploading|exporting)/);
      h.admin.advance({ kind: 'upload', id: volumeId });
      await handle.result();
    });
  });
});
