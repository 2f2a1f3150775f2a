// `npm start` as a person runs it (issue 11, item 9): the stack comes up and prints the seeded servers with
// their ids, as it prints the disks, and Ctrl-C stops all of it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/dev-server';
import { DEMO_TOPOLOGY } from '../../src/sim/demo-topology';
import { until } from './harness';

const ROOT = resolve(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'evs-stack-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints the seeded servers with their ids beside the disks, and stops on Ctrl-C', async () => {
    // Its own ports and state file: a person's `npm start` may be running on the defaults.
    const env = {
      ...process.env,
      TEMPORAL_PORT: '0',
      TEMPORAL_UI_PORT: String(await freePort()),
      SIM_PORT: '0',
      TEMPORAL_DB_FILE: join(dir, 'temporal.db'),
    };
    const stack = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'dev', 'stack.ts')], { cwd: ROOT, env });
    child = stack;
    let stdout = '';
    stack.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((done) => stack.once('exit', (code) => done(code)));
    await until(() => stdout.includes('Ctrl-C stops everything.'), 'the stack to be up', 120_000);

    const servers = stdout.slice(stdout.indexOf('Servers seeded in the simulator:'), stdout.indexOf('Disks seeded in the simulator:'));
    for (const s of DEMO_TOPOLOGY.servers ?? []) {
      expect(servers).toMatch(new RegExp(`^  ${s.name} +[0-9a-f-]{36}${s.status === 'SHUTOFF' ? '  \\(SHUTOFF\\)' : ''}$`, 'm'));
    }
    expect(stdout).toMatch(/^ {2}shared-content +[0-9a-f-]{36} {2}attached to web-1, web-2, spare$/m);
    expect(stdout).toContain('npx evs-export holds');

    stack.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 180_000);
});
