// Worker Versioning (src/worker-deployment.ts, docs/upgrades.md) on the shared dev server, the simulator over HTTP
// and two real workers of one deployment in this process: a running export finishes on the build that started it,
// new runs go to the build made current, and a server hold follows the current build. Which build ran what is read
// from the runs' histories (the version that completed each workflow task, the identity that ran each activity),
// not from timing.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { temporalCliPath } from '../../src/dev/temporal-cli';
import { startExport } from '../../src/export-client';
import { createExportWorker, type ExportWorker } from '../../src/worker';
import {
  deploymentRouting,
  describeWorkerDeployment,
  versionTaskQueues,
  workerDeployment,
  workerDeploymentFromEnv,
} from '../../src/worker-deployment';
import { WorkerConfigError } from '../../src/worker-limits';
import { approveUpdate, holdWorkflowId, progressQuery, urgentTaskQueue } from '../../src/workflows/api';
import { event, until, useHarness } from './harness';

const run = promisify(execFile);
const { VersioningBehavior } = temporal.api.enums.v1;

const h = useHarness();

/** A versioned export worker (main + urgent queue) polling `taskQueue`, named after its build in every task it runs. */
async function startWorker(taskQueue: string, deploymentName: string, buildId: string) {
  const worker: ExportWorker = await createExportWorker({
    ...h.workerOptions(taskQueue),
    identity: `${buildId}@versioning-test`,
    deployment: workerDeployment({ deploymentName, buildId }),
  });
  return { worker, running: worker.run() };
}

/** Who ran a run: the build that completed each workflow task (with the behaviour it sent), each activity's worker. */
async function ranBy(handle: WorkflowHandle) {
  const { events } = await handle.fetchHistory();
  const all = events ?? [];
  const completed = all.filter((e) => e.workflowTaskCompletedEventAttributes);
  const approvedAt = all.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)?.eventId;
  return {
    tasks: completed.map((e) => e.workflowTaskCompletedEventAttributes!.deploymentVersion?.buildId ?? 'unversioned'),
    behaviours: [...new Set(completed.map((e) => e.workflowTaskCompletedEventAttributes!.versioningBehavior))],
    tasksAfterApproval: approvedAt
      ? completed
          .filter((e) => Number(e.eventId) > Number(approvedAt))
          .map((e) => e.workflowTaskCompletedEventAttributes!.deploymentVersion?.buildId)
      : [],
    activities: [
      ...new Set(all.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.identity)),
    ],
  };
}

async function versioningInfo(handle: WorkflowHandle) {
  const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
  return { behavior: info?.behavior, buildId: info?.deploymentVersion?.buildId };
}

describe('worker versioning: exports pinned, holds auto-upgrade', () => {
  it('a running export finishes on v1 after v2 is made current; a new export runs on v2; the hold moves to v2', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'app' }],
      volumes: [
        { name: 'awaits-approval', size: 5, attachedTo: ['app'] },
        { name: 'uploading', size: 5, attachedTo: ['app'] },
        { name: 'loose', size: 5 },
      ],
    });
    const [a, b, c] = s.volumes.map((v) => v.id);
    const server = s.servers[0].id;
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    const taskQueue = `versioning-${randomUUID()}`;
    const deploymentName = `evs-test-${randomUUID().slice(0, 8)}`;
    const routing = () => deploymentRouting(h.client.workflowService, 'default', deploymentName);
    const workers: Awaited<ReturnType<typeof startWorker>>[] = [];
    try {
      // v1: the deployment's first version, so it makes itself current (EVS_EXPORT_SET_CURRENT_IF_NONE's default).
      workers.push(await startWorker(taskQueue, deploymentName, 'v1'));
      await until(async () => (await routing()).current?.buildId === 'v1', 'v1 to make itself current');

      // Started on v1: A waits for approval; B holds the server while its upload waits in the simulator.
      const exportA = await startExport(h.client, taskQueue, { volumeId: a, imageName: 'pinned-a', requireApproval: true });
      await until(async () => (await exportA.query(progressQuery)).phase === 'awaiting-approval', 'A awaiting approval');
      const exportB = await startExport(h.client, taskQueue, { volumeId: b, imageName: 'pinned-b' });
      await event(h.admin, 'volume.uploading', (e) => e.volumeId === b);
      const hold = h.client.workflow.getHandle(holdWorkflowId(server));
      expect(await versioningInfo(hold)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE, buildId: 'v1' });

      // v2 on the same task queue: not made current by itself (v1 is), but by the operator's command once it polls both queues.
      workers.push(await startWorker(taskQueue, deploymentName, 'v2'));
      const queues = [taskQueue, urgentTaskQueue(taskQueue)];
      await until(async () => {
        const known = await versionTaskQueues(h.client.workflowService, 'default', { deploymentName, buildId: 'v2' });
        return queues.every((q) => known.includes(q));
      }, 'v2 polling both task queues');
      expect((await routing()).current?.buildId).toBe('v1');
      const promote = ['worker', 'deployment', 'set-current-version', '--deployment-name', deploymentName, '--build-id', 'v2', '--yes'];
      const promoted = await run(temporalCliPath(), [...promote, '--address', h.address], { timeout: 60_000 });
      expect(promoted.stdout).toContain('Successfully set the current worker deployment version');
      expect((await routing()).current?.buildId).toBe('v2');

      // After the switch: a new export goes to v2; A is approved and goes on, as do B and the hold.
      const exportC = await startExport(h.client, taskQueue, { volumeId: c, imageName: 'after-switch' });
      await exportA.executeUpdate(approveUpdate, { args: [{ by: 'versioning-test' }] });
      for (const id of [a, b, c]) {
        await event(h.admin, 'volume.uploading', (e) => e.volumeId === id);
        h.admin.advance({ kind: 'upload', id });
      }
      for (const r of await Promise.all([exportA.result(), exportB.result(), exportC.result()])) expect(r.imageStatus).toBe('active');
      await hold.result();

      // A and B: pinned to v1 from start to end, every workflow task and every activity (urgent restarts included).
      for (const started of [exportA, exportB]) {
        expect(await versioningInfo(started)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'v1' });
        const by = await ranBy(started);
        expect(new Set(by.tasks)).toEqual(new Set(['v1']));
        expect(by.behaviours).toEqual([VersioningBehavior.VERSIONING_BEHAVIOR_PINNED]);
        expect(by.activities).toEqual(['v1@versioning-test']);
      }
      // A's approval came after the switch, and so did all its work from the hold to the image.
      const afterApproval = (await ranBy(exportA)).tasksAfterApproval;
      expect(afterApproval.length).toBeGreaterThan(3);
      expect(new Set(afterApproval)).toEqual(new Set(['v1']));

      // C: started after the switch, all on v2.
      expect(await versioningInfo(exportC)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, buildId: 'v2' });
      const byC = await ranBy(exportC);
      expect(new Set(byC.tasks)).toEqual(new Set(['v2']));
      expect(byC.activities).toEqual(['v2@versioning-test']);

      // The hold: started on v1, moved to v2 at its next task while v1's runs still held the server; auto-upgrade throughout.
      const byHold = await ranBy(hold);
      expect(byHold.behaviours).toEqual([VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE]);
      expect(byHold.tasks[0]).toBe('v1');
      expect(byHold.tasks.at(-1)).toBe('v2');
      expect(byHold.tasks.indexOf('v2')).toBeGreaterThan(byHold.tasks.lastIndexOf('v1'));
      expect(await versioningInfo(hold)).toEqual({ behavior: VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE, buildId: 'v2' });
      expect(h.admin.oracle().servers[server]).toMatchObject({ stops: 1, starts: 1 });

      // Draining: nothing runs on v1 any more (what docs/upgrades.md checks before stopping old workers).
      const onV1 = `TemporalWorkerDeploymentVersion = '${deploymentName}:v1'`;
      const count = async (query: string) => (await h.client.workflow.count(query)).count;
      await until(
        async () => (await count(onV1)) === 2 && (await count(`${onV1} AND ExecutionStatus = 'Running'`)) === 0,
        'A and B, closed, on v1',
      );
    } finally {
      for (const w of workers) w.worker.shutdown();
      await Promise.all(workers.map((w) => w.running));
    }
  }, 180_000);
});

describe('EVS_EXPORT_DEPLOYMENT_NAME, EVS_EXPORT_BUILD_ID, EVS_EXPORT_SET_CURRENT_IF_NONE', () => {
  const fromEnv = (env: Record<string, string>) => workerDeploymentFromEnv(env);
  const refused = (env: Record<string, string>) => {
    try {
      fromEnv(env);
    } catch (err) {
      expect(err).toBeInstanceOf(WorkerConfigError);
      return (err as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(env)}`);
  };

  it('neither (or empty): an unversioned worker, as before', () => {
    expect(fromEnv({})).toBeUndefined();
    expect(fromEnv({ EVS_EXPORT_DEPLOYMENT_NAME: '', EVS_EXPORT_BUILD_ID: '' })).toBeUndefined();
    expect(describeWorkerDeployment(undefined)).toMatch(/^unversioned/);
  });

  it('both: exports pinned by default, and the worker makes itself current if the deployment has none unless told not to', () => {
    const d = fromEnv({ EVS_EXPORT_DEPLOYMENT_NAME: 'evs-image-export', EVS_EXPORT_BUILD_ID: '0.2.0-1a2b3c4' })!;
    expect(d.workerDeploymentOptions).toEqual({
      version: { deploymentName: 'evs-image-export', buildId: '0.2.0-1a2b3c4' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    });
    expect(d.plugins).toHaveLength(1);
    expect(describeWorkerDeployment(d)).toContain('deployment evs-image-export, build 0.2.0-1a2b3c4');
    const manual = fromEnv({ EVS_EXPORT_DEPLOYMENT_NAME: 'x', EVS_EXPORT_BUILD_ID: 'y', EVS_EXPORT_SET_CURRENT_IF_NONE: 'false' })!;
    expect(manual.plugins).toBeUndefined();
  });

  it('one without the other, or a malformed value, is refused naming the variable and the value', () => {
    expect(refused({ EVS_EXPORT_BUILD_ID: '0.2.0' })).toBe(
      'EVS_EXPORT_BUILD_ID="0.2.0" is set but EVS_EXPORT_DEPLOYMENT_NAME is not: set both for a versioned worker, or neither for an unversioned one',
    );
    expect(refused({ EVS_EXPORT_DEPLOYMENT_NAME: 'evs' })).toContain(
      'EVS_EXPORT_DEPLOYMENT_NAME="evs" is set but EVS_EXPORT_BUILD_ID is not',
    );
    expect(refused({ EVS_EXPORT_DEPLOYMENT_NAME: 'evs.prod', EVS_EXPORT_BUILD_ID: '1' })).toMatch(
      /^EVS_EXPORT_DEPLOYMENT_NAME: expected .+, got "evs\.prod"$/,
    );
    expect(refused({ EVS_EXPORT_DEPLOYMENT_NAME: 'evs', EVS_EXPORT_BUILD_ID: '1 2' })).toMatch(
      /^EVS_EXPORT_BUILD_ID: expected .+, got "1 2"$/,
    );
    expect(refused({ EVS_EXPORT_DEPLOYMENT_NAME: 'evs', EVS_EXPORT_BUILD_ID: 'a:b' })).toMatch(/got "a:b"$/);
    expect(refused({ EVS_EXPORT_DEPLOYMENT_NAME: 'evs', EVS_EXPORT_BUILD_ID: '1', EVS_EXPORT_SET_CURRENT_IF_NONE: 'maybe' })).toBe(
      'EVS_EXPORT_SET_CURRENT_IF_NONE: expected true or false, got "maybe"',
    );
  });
});
