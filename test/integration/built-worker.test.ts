// The production worker: `npm run build` compiles src/ and writes the workflow bundle; the built worker loads that
// bundle instead of bundling at start, and runs an export. Built here into .data/ (inside the repository, so the
// built files find node_modules), as `npm run build` would into lib/.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWorker, type WorkerProcess } from '../../src/dev/worker-process';
import { startExport } from '../../src/export-client';
import { useHarness } from './harness';

const ROOT = resolve(__dirname, '..', '..');
const OUT = join(ROOT, '.data', 'test-build', 'lib');
const h = useHarness();
let worker: WorkerProcess | undefined;

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  execFileSync(process.execPath, [join(OUT, 'bundle-workflows.js')], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);
afterAll(async () => {
  await worker?.kill('SIGTERM');
  rmSync(join(ROOT, '.data', 'test-build'), { recursive: true, force: true });
});

describe('the built worker', () => {
  it('loads the prebuilt workflow bundle and runs an export', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const taskQueue = `built-${randomUUID()}`;
    worker = spawnWorker({ temporalAddress: h.address, taskQueue, cloudEnv: h.sim.cloudEnv, script: join(OUT, 'worker.js') });
    await worker.ready;
    expect(worker.lines.find((l) => l.startsWith('worker polling task queue'))).toContain('workflows: the prebuilt bundle');
    const result = await (await startExport(h.client, taskQueue, { volumeId: s.volumes[0].id, imageName: 'built' })).result();
    expect(result.imageStatus).toBe('active');
    expect(result.servers[0].state).toBe('restarted');
  });
});
