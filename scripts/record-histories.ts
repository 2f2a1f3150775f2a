// Records the workflow histories that test/integration/replay.test.ts replays against the current workflow code,
// so that a non-deterministic change to `exportDiskImage` fails CI instead of breaking runs already in flight.
//
//   npm run record-histories              # all scenarios → test/fixtures/histories/<version>/<name>.json
//   npm run record-histories -- approval  # only the named scenario(s)
//
// What it runs: its own Temporal dev server (in memory), the cloud simulator with fast timings, and an
// in-process worker on a fresh task queue; then each scenario below, checking that the run ended the way the
// scenario says (a recording of the wrong outcome is refused), and writes the run's full history as the SDK's
// proto JSON (`historyToJSON`, the same format as `temporal workflow show --output json`).
//
// When to re-record: ONLY for an intentional change of the workflow's command sequence (another activity, a
// reordered step, a new timer, a changed search-attribute upsert …). Such a change breaks every run that is in
// flight when the new worker is deployed, so it must ship behind `patched('<change-id>')` (and later
// `deprecatePatch`) from `@temporalio/workflow` — keep the old histories until the old branch is removed: the
// old files must still replay against the patched code, which is what the replay test proves. Record new
// histories (adding scenarios, or replacing files once the old branch is gone) with this script and commit them
// together with the workflow change. Never re-record to make a failing replay test pass without that thought:
// the failure is the warning this test exists for.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection, type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createCloudClient, loadCloudConfig } from '../src/cloud';
import { startDevServer } from '../src/dev/dev-server';
import { FAST_POLL, FAST_TIMINGS } from '../src/dev/fast';
import { type ExportHandle, startExport } from '../src/export-client';
import { createSim, type SimServer } from '../src/sim';
import { createExportWorker } from '../src/worker';
import type { exportServerDisks, scheduledExport } from '../src/workflows';
import {
  approveUpdate,
  type ExportDiskResult,
  exportServerWorkflowId,
  FailureType,
  holdWorkflowId,
  progressQuery,
} from '../src/workflows/api';

const ROOT = resolve(__dirname, '..');
// One folder per release (package.json version): the replay test replays every release's recordings, so runs
// started by an older worker keep replaying after an upgrade.
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
export const HISTORIES_DIR = join(ROOT, 'test', 'fixtures', 'histories', VERSION);

/** Failure stack traces name files by absolute path: keep them relative to the repository (no machine paths in git). */
function scrubPaths(json: string): string {
  const scrubbed = json.split(`file://${ROOT}/`).join('').split(`${ROOT}/`).join('');
  const left = /(?:\/(?:work|tmp|root|home|Users)\/)[^"\s]*/.exec(scrubbed);
  if (left) throw new Error(`an absolute path is left in the history: ${left[0]}`);
  return scrubbed;
}

interface Ctx {
  sim: SimServer;
  client: Client;
  taskQueue: string;
}

type Handle = ExportHandle;

interface Scenario {
  name: string;
  what: string;
  /** Runs the scenario and returns the handle of the run to record. Throws if the run did not end as described. */
  run(c: Ctx): Promise<Pick<WorkflowHandle, 'fetchHistory'>>;
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`scenario check failed: ${what}`);
}

async function until<T>(f: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function failureOf(handle: Handle): Promise<unknown> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  check(err instanceof WorkflowFailedError, `the run fails (got ${String(err)})`);
  return err.cause;
}

async function appFailure(handle: Handle, type: string): Promise<ApplicationFailure> {
  const cause = await failureOf(handle);
  check(cause instanceof ApplicationFailure && cause.type === type, `the run fails with type ${type} (got ${String(cause)})`);
  return cause;
}

async function phase(handle: Handle, p: string): Promise<void> {
  await until(async () => (await handle.query(progressQuery)).phase === p, `phase ${p}`);
}

function cleanOracle(c: Ctx): void {
  const o = c.sim.sim.oracle();
  check(o.p1Violations.length === 0, `no P1 violation: ${JSON.stringify(o.p1Violations)}`);
  check(o.serversNotRestored.length === 0, `every server restored: ${JSON.stringify(o.serversNotRestored)}`);
  check(o.duplicateExports.length === 0, `no duplicate export: ${JSON.stringify(o.duplicateExports)}`);
}

function oneServerDisk(c: Ctx, extra: { locked?: boolean } = {}) {
  const s = c.sim.sim.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'], ...extra }] });
  return s.volumes[0].id;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'success-shared-disk',
    what: 'shared disk on two running servers and one stopped one; tags; success',
    async run(c) {
      const s = c.sim.sim.seed({
        servers: [{ name: 'a' }, { name: 'b' }, { name: 'c', status: 'SHUTOFF' }],
        volumes: [{ name: 'shared', size: 10, multiattach: true, attachedTo: ['a', 'b', 'c'] }],
      });
      const handle = await startExport(c.client, c.taskQueue, {
        volumeId: s.volumes[0].id,
        imageName: 'rec-shared',
        tags: ['golden', 'recorded'],
      });
      const r: ExportDiskResult = await handle.result();
      check(r.imageStatus === 'active' && !r.adopted, 'image active, not adopted');
      check(r.servers.filter((x) => x.state === 'restarted').length === 2, 'two servers restarted');
      check(r.servers.filter((x) => x.state === 'untouched').length === 1, 'the stopped server untouched');
      return handle;
    },
  },
  {
    name: 'compensated-failure',
    what: 'locked disk: the cloud rejects the export, the server is restarted, the run fails',
    async run(c) {
      const handle = await startExport(c.client, c.taskQueue, { volumeId: oneServerDisk(c, { locked: true }), imageName: 'rec-locked' });
      const f = await appFailure(handle, FailureType.CloudRejected);
      check(f.message.includes('servers restarted: app'), `the failure names the restarted server: ${f.message}`);
      return handle;
    },
  },
  {
    name: 'upload-killed',
    what: 'the upload ends killed: the server is restarted, the run fails naming the image',
    async run(c) {
      c.sim.sim.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });
      const handle = await startExport(c.client, c.taskQueue, { volumeId: oneServerDisk(c), imageName: 'rec-killed' });
      await appFailure(handle, FailureType.ImageFailed);
      return handle;
    },
  },
  {
    name: 'cancelled-during-upload',
    what: 'cancelled while the disk uploads: the servers stay stopped until it is released, then restart; run cancelled',
    async run(c) {
      c.sim.sim.setConfig({ timings: { uploadBaseMs: null } });
      const s = c.sim.sim.seed({
        servers: [{ name: 'a' }, { name: 'b' }],
        volumes: [{ name: 'shared', size: 10, multiattach: true, attachedTo: ['a', 'b'] }],
      });
      const volumeId = s.volumes[0].id;
      const handle = await startExport(c.client, c.taskQueue, { volumeId, imageName: 'rec-cancelled' });
      await phase(handle, 'uploading');
      await handle.cancel();
      // The compensation's own wait for the disk is scheduled before the upload is let finish, so the recorded
      // history always has the same shape.
      await until(async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const cancelAt = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
        return (
          cancelAt >= 0 &&
          events.slice(cancelAt).some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitVolumeReleased')
        );
      }, 'the compensation to wait for the disk');
      c.sim.sim.advance({ kind: 'upload', id: volumeId });
      const cause = await failureOf(handle);
      check(cause instanceof CancelledFailure, `the run ends cancelled (got ${String(cause)})`);
      const servers = c.sim.sim.state().servers;
      check(
        servers.every((x) => x.status === 'ACTIVE'),
        'both servers run again',
      );
      return handle;
    },
  },
  {
    name: 'adopted-export',
    what: 'the export response is lost; the retry adopts the export in flight instead of exporting again',
    async run(c) {
      c.sim.sim.addFault({ op: 'evs.uploadImage', kind: 'lost-response' });
      const handle = await startExport(c.client, c.taskQueue, { volumeId: oneServerDisk(c), imageName: 'rec-adopted' });
      const r: ExportDiskResult = await handle.result();
      check(r.adopted && r.imageStatus === 'active', 'adopted, image active');
      check(c.sim.sim.oracle().exports.length === 1, 'exactly one export');
      return handle;
    },
  },
  {
    name: 'approval',
    what: 'requireApproval: the run waits in awaiting-approval until the approve update',
    async run(c) {
      const handle = await startExport(c.client, c.taskQueue, {
        volumeId: oneServerDisk(c),
        imageName: 'rec-approval',
        requireApproval: true,
      });
      await phase(handle, 'awaiting-approval');
      const p = await handle.executeUpdate(approveUpdate, { args: [{ by: 'recorder' }] });
      check(p.approvedBy === 'recorder', 'approved by the recorder');
      const r: ExportDiskResult = await handle.result();
      check(r.imageStatus === 'active', 'image active');
      return handle;
    },
  },
  {
    name: 'rerun-existing-image',
    what: 'a second run with the same image name after a success returns the existing image, touching nothing (the second run is recorded)',
    async run(c) {
      const volumeId = oneServerDisk(c);
      const first: ExportDiskResult = await (await startExport(c.client, c.taskQueue, { volumeId, imageName: 'rec-rerun' })).result();
      const handle = await startExport(c.client, c.taskQueue, { volumeId, imageName: 'rec-rerun' });
      const second: ExportDiskResult = await handle.result();
      check(second.imageId === first.imageId && second.adopted && second.servers.length === 0, 'the existing image, no server touched');
      return handle;
    },
  },
  {
    name: 'server-hold-shared',
    what:
      'the hold of a server two concurrent exports share (its two data disks): stopped once, restarted by the last release ' +
      "(the hold's history is recorded)",
    async run(c) {
      const s = c.sim.sim.seed({
        servers: [{ name: 'app' }],
        volumes: [
          { name: 'd1', size: 5, attachedTo: ['app'] },
          { name: 'd2', size: 20, attachedTo: ['app'] },
        ],
      });
      const runs = await Promise.all(
        s.volumes.map((v, i) => startExport(c.client, c.taskQueue, { volumeId: v.id, imageName: `rec-hold-${i}` })),
      );
      await Promise.all(runs.map((r) => r.result()));
      const hold = c.client.workflow.getHandle(holdWorkflowId(s.servers[0].id));
      await hold.result();
      const o = c.sim.sim.oracle().servers[s.servers[0].id];
      check(o.stops === 1 && o.starts === 1, 'the server stopped once and started once');
      return hold;
    },
  },
  {
    name: 'server-export',
    what: 'a whole-server export: system disk, data disk and a disk shared with another server, as one set (the parent is recorded)',
    async run(c) {
      const s = c.sim.sim.seed({
        servers: [{ name: 'web' }, { name: 'peer' }],
        volumes: [
          { name: 'sys', size: 10, bootable: true, attachedTo: ['web'], device: '/dev/vda' },
          { name: 'data', size: 5, attachedTo: ['web'], device: '/dev/vdb' },
          { name: 'shared', size: 5, multiattach: true, attachedTo: ['web', 'peer'], device: '/dev/vdc' },
        ],
      });
      const handle = await c.client.workflow.start<typeof exportServerDisks>('exportServerDisks', {
        taskQueue: c.taskQueue,
        workflowId: exportServerWorkflowId(s.servers[0].id),
        args: [{ serverId: s.servers[0].id }],
      });
      const r = await handle.result();
      check(r.images.length === 3 && r.images.every((i) => i.imageStatus === 'active'), 'three active images');
      return handle;
    },
  },
  {
    name: 'snapshot-export',
    what: 'snapshot strategy: the server restarts once the snapshot is taken, the copy is exported, both are deleted',
    async run(c) {
      const handle = await startExport(c.client, c.taskQueue, {
        volumeId: oneServerDisk(c),
        imageName: 'rec-snapshot',
        strategy: 'snapshot',
      });
      const r: ExportDiskResult = await handle.result();
      check(r.imageStatus === 'active' && r.strategy === 'snapshot', 'image active, snapshot strategy');
      check(!!r.temporary?.snapshotDeletedAt && !!r.temporary?.volumeDeletedAt, 'the snapshot and the copy deleted');
      check(c.sim.sim.oracle().leftovers.length === 0, 'nothing left behind');
      return handle;
    },
  },
  {
    name: 'scheduled-export',
    what: 'the workflow a schedule runs: the export as a child with the per-disk id (the parent is recorded)',
    async run(c) {
      const volumeId = oneServerDisk(c);
      const handle = await c.client.workflow.start<typeof scheduledExport>('scheduledExport', {
        taskQueue: c.taskQueue,
        workflowId: `rec-schedule-${Date.now()}`,
        args: [{ export: { volumeId, imageName: 'rec-golden-{date}' } }],
      });
      const r = await handle.result();
      check(!r.skipped && r.result?.imageStatus === 'active', 'the child export succeeded');
      return handle;
    },
  },
  {
    name: 'scheduled-build',
    what: 'a golden-image build: the name rendered from the template, lineage tags, retention keeping the newest one',
    async run(c) {
      const volumeId = oneServerDisk(c);
      const start = (imageName: string) =>
        c.client.workflow.start<typeof scheduledExport>('scheduledExport', {
          taskQueue: c.taskQueue,
          workflowId: `rec-build-${imageName}-${Date.now()}`,
          args: [{ export: { volumeId, imageName: `rec-${imageName}-{volumeName}-{date}` }, scheduleId: 'rec', keep: 1 }],
        });
      await (await start('first')).result();
      const handle = await start('second');
      const r = await handle.result();
      check(!r.skipped && r.retention?.deleted.length === 1, 'retention deleted the first build');
      return handle;
    },
  },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const chosen = only.length ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;

  // ERROR: the activity retries the scenarios provoke on purpose would print a stack trace each at WARN.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer();
  const sim = await createSim({ config: FAST_TIMINGS });
  const cloud = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }));
  let connection: NativeConnection | undefined;
  let clientConnection: Connection | undefined;
  try {
    connection = await NativeConnection.connect({ address: server.address });
    clientConnection = await Connection.connect({ address: server.address });
    const client = new Client({ connection: clientConnection });
    const taskQueue = `record-histories-${Date.now()}`;
    const worker = await createExportWorker({ connection, namespace: server.namespace, taskQueue, cloud, poll: FAST_POLL });
    mkdirSync(HISTORIES_DIR, { recursive: true });
    await worker.runUntil(async () => {
      for (const s of chosen) {
        sim.sim.reset();
        const started = Date.now();
        const handle = await s.run({ sim, client, taskQueue });
        cleanOracle({ sim, client, taskQueue });
        const history = await handle.fetchHistory();
        const json = scrubPaths(historyToJSON(history));
        // P7 here too: a fixture that carried the simulator's password would be a leak committed to git.
        if (json.includes(sim.cloudEnv.OS_PASSWORD)) throw new Error(`${s.name}: the history contains the cloud password`);
        const file = join(HISTORIES_DIR, `${s.name}.json`);
        writeFileSync(file, `${json}\n`);
        console.log(`${s.name}: ${history.events?.length ?? 0} events, ${Date.now() - started} ms → ${file}`);
      }
    });
  } finally {
    await clientConnection?.close();
    await connection?.close();
    await cloud.close();
    await sim.close();
    await server.stop();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
