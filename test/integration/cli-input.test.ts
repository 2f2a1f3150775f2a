// Bad input to `evs-export` (issue 11, item 4): exit 2 with one line naming the flag and the allowed values,
// before any workflow starts; an unknown disk or server is refused when the CLI has cloud settings, and left to
// the run's own plan when it has none.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { exportServerWorkflowId, exportWorkflowId } from '../../src/workflows/api';
import { type Harness, runCli, useHarness } from './harness';

const h = useHarness();
const cli = (taskQueue: string, ...args: string[]) => runCli(h, taskQueue, ...args);
const ROOT = resolve(__dirname, '..', '..');

/** The CLI with only the Temporal settings: no OS_* variables, so it has no cloud to check with. */
function cliWithoutCloud(h: Harness, taskQueue: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: h.address, TEMPORAL_TASK_QUEUE: taskQueue };
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'evs-export.js'), ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** No run of this id was ever started. */
async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(h.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

describe('evs-export bad input', () => {
  it.each([
    [
      'an invalid choice',
      ['--disk-format', 'iso'],
      ["'--disk-format <format>'", "'iso'", 'vhd, zvhd, zvhd2, raw, qcow2, vmdk, vdi, vhdx, ploop'],
    ],
    ['an invalid number', ['--stop-deadline', 'soon'], ["'--stop-deadline <ms>'", 'expected milliseconds']],
    ['an unknown option', ['--bogus'], ["unknown option '--bogus'"]],
    ['a missing required flag', null, ["required option '--image-name <name>' not specified"]],
  ])('refuses %s with exit 2 and one line naming the flag, not the help', async (_what, extra, said) => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const volumeId = s.volumes[0].id;
    const args = extra ? ['--image-name', 'x', ...extra] : [];
    const r = await cli('unused', 'export', '--volume', volumeId, ...args);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    for (const part of said) expect(lines[0]).toContain(part);
    expect(lines[0]).toContain('(see evs-export export --help)');
    expect(r.stdout).toBe('');
    await expectNoWorkflow(exportWorkflowId(volumeId));
    expect(h.admin.oracle().apiCalls.total).toBe(0);
  });

  it('names the flag of a broken input rule', async () => {
    const r = await cli('unused', 'export', '--volume', 'vol-1', '--image-name', 'x', '--tag', 'ok', '--tag', 'not ok');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('evs-export: --tag: tags[1] must be 1–128 letters, digits, "_" or "-" (got "not ok")');
  });

  it('refuses a disk or a server the cloud does not know, naming the flag and the value, and starts nothing', async () => {
    // Ids of their own: the dev server is shared with the other test files.
    const [volumeId, serverId] = ['no-such-disk', 'no-such-server'].map((x) => `${x}-${randomUUID().slice(0, 8)}`);
    const disk = await cli('unused', 'export', '--volume', volumeId, '--image-name', 'x');
    expect(disk.code).toBe(2);
    expect(disk.stderr.split('\n')[0]).toBe(`evs-export: --volume: no disk "${volumeId}" in this project; nothing was started`);
    await expectNoWorkflow(exportWorkflowId(volumeId));
    const server = await cli('unused', 'export-server', '--server', serverId, '--wait');
    expect(server.code).toBe(2);
    expect(server.stderr.split('\n')[0]).toBe(`evs-export: --server: no server "${serverId}" in this project; nothing was started`);
    await expectNoWorkflow(exportServerWorkflowId(serverId));
  });

  it('without cloud settings starts the run, whose plan refuses the disk before touching anything', async () => {
    const volumeId = `no-such-disk-${randomUUID().slice(0, 8)}`;
    await h.withWorker(async (tq) => {
      const r = await cliWithoutCloud(h, tq, 'export', '--volume', volumeId, '--image-name', 'x', '--wait');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`started ${exportWorkflowId(volumeId)}`);
      expect(r.stderr.split('\n')[0]).toBe(
        `evs-export: export failed (InvalidInput): volumeId: no disk "${volumeId}" in this project (nothing was stopped or created)`,
      );
    });
  });

  it('prints its version', async () => {
    const r = await cli('unused', '--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });
});
