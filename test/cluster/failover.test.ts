// On the cluster (PostgreSQL, the Temporal server, 2 worker processes, the simulator — all real processes, talked
// to over the network): a worker SIGKILLed in the middle of uploads, and the Temporal server restarted in the
// middle of uploads. Every export completes, each exactly once, and the simulator's oracle is clean.
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { FAST_TIMINGS } from '../../src/dev/fast';
import { type ExportHandle, startExport } from '../../src/export-client';
import { workerMetricsPort } from '../../scripts/cluster/apps';
import { NAMESPACE } from '../../scripts/cluster/temporal';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/api';
import {
  addWorker,
  killProcess,
  liveWorkers,
  openCluster,
  restartServer,
  runCli,
  type TestCluster,
  until,
  workerByIdentity,
} from './cluster';

const { PENDING_ACTIVITY_STATE_STARTED } = temporal.api.enums.v1.PendingActivityState;

let c: TestCluster;
beforeAll(async () => {
  c = await openCluster(inject('clusterPidsFile'));
});
afterAll(() => c?.close());
beforeEach(async () => {
  await c.sim.reset();
  await c.sim.setConfig(FAST_TIMINGS);
  // Two workers at the start of every test, as the cluster was started (a test may have killed one).
  while (liveWorkers(c).length < 2) await addWorker(c);
});

/** Three disks on a server each and one shared by two running servers and a stopped one. */
async function seedDisks() {
  const s = await c.sim.seed({
    servers: [{ name: 'a1' }, { name: 'a2' }, { name: 'a3' }, { name: 'b1' }, { name: 'b2' }, { name: 'off', status: 'SHUTOFF' }],
    volumes: [
      { name: 'd1', size: 10, attachedTo: ['a1'] },
      { name: 'd2', size: 10, attachedTo: ['a2'] },
      { name: 'd3', size: 10, attachedTo: ['a3'] },
      { name: 'shared', size: 10, multiattach: true, attachedTo: ['b1', 'b2', 'off'] },
    ],
  });
  const off = s.servers.find((x) => x.name === 'off')!.id;
  return { volumes: s.volumes.map((v) => v.id), running: s.servers.filter((x) => x.id !== off).map((x) => x.id), off };
}

/** Exports every disk, with uploads held by the simulator until the test releases them; resolves once all upload. */
async function exportsUploading(volumes: string[]): Promise<ExportHandle[]> {
  await c.sim.setConfig({ timings: { uploadBaseMs: null } });
  const tag = randomUUID().slice(0, 8);
  const handles = await Promise.all(
    volumes.map((volumeId, i) => startExport(c.client, c.taskQueue, { volumeId, imageName: `cluster-${tag}-${i}` })),
  );
  await until(
    async () => (await c.sim.events()).filter((e) => e.type === 'volume.uploading').length === volumes.length,
    'every upload to begin',
    120_000,
  );
  return handles;
}

async function pendingActivities(handles: ExportHandle[]) {
  const described = await Promise.all(handles.map((h) => h.describe()));
  return described.flatMap((d) => d.raw.pendingActivities ?? []);
}

/** The oracle's promises (as test/integration/harness.ts checks them): no P1 violation, every server restored, no duplicate, nothing left. */
async function expectCleanOracle() {
  const o = await c.sim.oracle();
  expect(o.p1Violations).toEqual([]);
  expect(o.serversNotRestored).toEqual([]);
  expect(o.duplicateExports).toEqual([]);
  expect(o.leftovers).toEqual([]);
  return o;
}

async function releaseUploadsAndExpectCleanExports(handles: ExportHandle[], disks: Awaited<ReturnType<typeof seedDisks>>) {
  for (const id of disks.volumes) await c.sim.advance('upload', id);
  const results = await Promise.all(handles.map((h) => h.result()));
  for (const r of results) expect(r.imageStatus).toBe('active');
  const o = await expectCleanOracle();
  expect(o.exports).toHaveLength(disks.volumes.length);
  expect(o.apiCalls.byOp['evs.uploadImage']).toBe(disks.volumes.length);
  for (const id of disks.running) expect(o.servers[id]).toMatchObject({ stops: 1, starts: 1 });
  expect(o.servers[disks.off]).toMatchObject({ stops: 0, starts: 0 });
}

describe('the cluster', () => {
  it('is ready: the namespace with its search attributes, the printed environment drives the CLI', async () => {
    const { connection } = c.client;
    const sa = await connection.operatorService.listSearchAttributes({ namespace: NAMESPACE });
    for (const a of SEARCH_ATTRIBUTES) expect(Object.keys(sa.customAttributes ?? {})).toContain(a.name);
    const { volumes } = await c.sim.seed({ servers: [{ name: 'web' }], volumes: [{ name: 'data', size: 10, attachedTo: ['web'] }] });
    const r = await runCli(c, 'export', '--volume', volumes[0].id, '--image-name', `cli-${randomUUID().slice(0, 8)}`, '--wait');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await expectCleanOracle()).exports).toHaveLength(1);
  });

  it('serves the Web UI, which lists the namespace', async ({ skip }) => {
    const url = c.state().uiUrl;
    if (!url) skip('the Web UI server is not running on this cluster');
    const r = await fetch(`${url}/api/v1/namespaces`);
    expect(r.status).toBe(200);
    expect(JSON.stringify(await r.json())).toContain(`"name":"${NAMESPACE}"`);
  });
});

describe('a worker SIGKILLed mid-upload', () => {
  it('the other worker finishes every export, each exactly once', async () => {
    const disks = await seedDisks();
    const handles = await exportsUploading(disks.volumes);
    // The victim is a worker that is running an upload's wait right now.
    const victim = await until(async () => {
      const running = (await pendingActivities(handles)).filter(
        (a) => a.activityType?.name === 'awaitVolumeReleased' && a.state === PENDING_ACTIVITY_STATE_STARTED,
      );
      return running.map((a) => workerByIdentity(c, a.lastWorkerIdentity)).find(Boolean);
    }, 'a worker running an upload wait');
    await killProcess(victim);
    // Its activities time out (heartbeat) and are retried on the survivor.
    const onVictim = (id: string | null | undefined) => id?.startsWith(`${victim.pid}@`);
    await until(
      async () => !(await pendingActivities(handles)).some((a) => onVictim(a.lastWorkerIdentity)),
      'the survivor to take over',
      180_000,
    );
    expect(liveWorkers(c)).toHaveLength(1);
    await releaseUploadsAndExpectCleanExports(handles, disks);
  });
});

describe('the Temporal server restarted mid-upload', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`with ${signal}: the workers reconnect and finish every export, each exactly once`, async () => {
      const disks = await seedDisks();
      const handles = await exportsUploading(disks.volumes);
      const workers = liveWorkers(c).map((p) => p.pid);
      await restartServer(c, signal);
      await releaseUploadsAndExpectCleanExports(handles, disks);
      // The same worker processes did it: none died with the server.
      expect(liveWorkers(c).map((p) => p.pid)).toEqual(workers);
    });
  }
});

describe('metrics', () => {
  it('each worker serves Prometheus /metrics: exports ended, API calls by status, the SDK metrics', async () => {
    const disks = await seedDisks();
    const handles = await exportsUploading(disks.volumes);
    await releaseUploadsAndExpectCleanExports(handles, disks);
    const texts = await Promise.all(
      liveWorkers(c).map(async (p) => {
        const port = workerMetricsPort(c.state().options, Number(p.name.replace('worker-', '')));
        return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      }),
    );
    const completed = texts
      .flatMap((t) => t.split('\n'))
      .filter((l) => l.startsWith('evs_export_exports_total{') && l.includes('outcome="completed"'))
      .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    expect(completed).toBeGreaterThanOrEqual(handles.length);
    for (const t of texts) expect(t).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(texts.some((t) => /^evs_export_api_calls_total\{[^}]*status="200"/m.test(t))).toBe(true);
  });
});
