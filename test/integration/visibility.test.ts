// A run is found and read the same way whoever started it (issue 11): the search attributes come from the run
// itself, the plan shows the servers that will stop and the downtime it expects, and the holds carry their
// server and state. Started here as `temporal workflow start` starts it: no search attributes, no summary.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { temporalCliPath } from '../../src/dev/temporal-cli';
import {
  approveUpdate,
  exportWorkflowId,
  holdWorkflowId,
  progressQuery,
  SA_IMAGE_ID,
  SA_PHASE,
  SA_SERVER_IDS,
  SA_VOLUME_ID,
} from '../../src/workflows/api';
import { until, useHarness } from './harness';

const run = promisify(execFile);

/** The Web UI's "current details": the markdown the run last set. */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return meta.currentDetails ?? '';
}

/** A user-metadata payload's text (json/plain). */
function summaryOf(p: { data?: Uint8Array | null } | null | undefined): string | undefined {
  return p?.data ? (JSON.parse(Buffer.from(p.data).toString()) as string) : undefined;
}

describe('search attributes and details, whoever starts the run', () => {
  const h = useHarness();

  it('a run started by `temporal workflow start` is found by disk, server, phase and image; the plan says who will stop', async () => {
    const seeded = h.admin.seed({
      servers: [{ name: 'web-a' }, { name: 'web-b' }],
      volumes: [{ name: 'content', size: 10, multiattach: true, attachedTo: ['web-a', 'web-b'] }],
    });
    const volumeId = seeded.volumes[0].id;
    const serverIds = seeded.servers.map((s) => s.id).sort();
    await h.withWorker(async (tq) => {
      const workflowId = exportWorkflowId(volumeId);
      const input = JSON.stringify({ volumeId, imageName: 'content-ui', requireApproval: true });
      await run(temporalCliPath(), [
        ...['workflow', 'start', '--address', h.address, '--task-queue', tq, '--type', 'exportDiskImage'],
        ...['--workflow-id', workflowId, '--input', input],
      ]);
      const handle = h.client.workflow.getHandle(workflowId);

      const waiting = await until(async () => {
        const p = await handle.query(progressQuery).catch(() => undefined);
        return p?.phase === 'awaiting-approval' ? p : undefined;
      }, 'awaiting approval');
      for (const s of waiting.servers) {
        expect(s).toMatchObject({ state: 'will-stop', estimatedDowntimeMs: waiting.plan!.downtime.directMs });
      }
      expect(await currentDetails(handle)).toMatch(/\*\*web-a\*\* \(\S+\): will stop \(expected down \d/);

      const sa = (await handle.describe()).typedSearchAttributes;
      expect(sa.get(SA_VOLUME_ID)).toBe(volumeId);
      expect(sa.get(SA_PHASE)).toBe('awaiting-approval');
      expect([...(sa.get(SA_SERVER_IDS) ?? [])].sort()).toEqual(serverIds);
      await until(async () => {
        for await (const wf of h.client.workflow.list({ query: `EvsVolumeId = '${volumeId}'` }))
          if (wf.workflowId === workflowId) return true;
        return false;
      }, 'the run listed by EvsVolumeId');

      // The Web UI's default view (the timeline) names the approval wait, who will stop and how to approve.
      const timers = (await handle.fetchHistory()).events!.filter((e) => e.timerStartedEventAttributes);
      expect(timers.map((e) => summaryOf(e.userMetadata?.summary))).toEqual([
        expect.stringMatching(/^awaiting approval: web-a, web-b will stop \(about .+ each\) — More Actions → Send an Update → approve$/),
      ]);

      await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
      const result = await handle.result();
      expect(result.summary).toMatch(new RegExp(`^image content-ui \\(${result.imageId}\\) active; web-a down \\d+\\.\\d s; web-b down`));
      const details = await currentDetails(handle);
      expect(details).toContain('**Approved by:** alice');
      expect(details).toMatch(/\*\*web-b\*\* \(\S+\): restarted, downtime \d+\.\d s/);
      const done = (await handle.describe()).typedSearchAttributes;
      expect(done.get(SA_PHASE)).toBe('done');
      expect(done.get(SA_IMAGE_ID)).toBe(result.imageId);

      // Each server's hold: found by its server id, and says how it ended.
      for (const serverId of serverIds) {
        const hold = await h.client.workflow.getHandle(holdWorkflowId(serverId)).describe();
        expect(hold.typedSearchAttributes.get(SA_SERVER_IDS)).toEqual([serverId]);
        expect(hold.typedSearchAttributes.get(SA_PHASE)).toBe('idle');
      }
      await until(async () => {
        const q = `WorkflowType = 'serverHold' AND EvsServerIds = '${serverIds[0]}'`;
        for await (const wf of h.client.workflow.list({ query: q })) if (wf.workflowId === holdWorkflowId(serverIds[0])) return true;
        return false;
      }, 'the hold listed by its server');
    });
  });

  it('a run cancelled while awaiting approval reports its servers untouched, not "will stop"', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'sys', size: 5, attachedTo: ['app'] }] });
    const volumeId = seeded.volumes[0].id;
    await h.withWorker(async (tq) => {
      const handle = await h.client.workflow.start('exportDiskImage', {
        taskQueue: tq,
        workflowId: exportWorkflowId(volumeId),
        args: [{ volumeId, imageName: 'never', requireApproval: true }],
      });
      await until(async () => (await handle.query(progressQuery).catch(() => undefined))?.phase === 'awaiting-approval', 'approval');
      await handle.cancel();
      await handle.result().catch(() => undefined);
      const p = await handle.query(progressQuery);
      expect(p.phase).toBe('cancelled');
      expect(p.servers.map((s) => s.state)).toEqual(['untouched']);
      expect(h.admin.events().filter((e) => e.type === 'server.stopping')).toEqual([]);
    });
  });

  it('a whole-server export and its per-disk children are found by server and by disk', async () => {
    const seeded = h.admin.seed({
      servers: [{ name: 'db' }],
      volumes: [
        { name: 'db-sys', size: 5, bootable: true, attachedTo: ['db'] },
        { name: 'db-data', size: 5, attachedTo: ['db'] },
      ],
    });
    const serverId = seeded.servers[0].id;
    await h.withWorker(async (tq) => {
      const handle = await h.client.workflow.start('exportServerDisks', {
        taskQueue: tq,
        workflowId: `export-server-${serverId}`,
        args: [{ serverId }],
      });
      await handle.result();
      const sa = (await handle.describe()).typedSearchAttributes;
      expect(sa.get(SA_SERVER_IDS)).toEqual([serverId]);
      expect(sa.get(SA_PHASE)).toBe('done');
      for (const v of seeded.volumes) {
        const child = await h.client.workflow.getHandle(exportWorkflowId(v.id)).describe();
        expect(child.typedSearchAttributes.get(SA_VOLUME_ID)).toBe(v.id);
      }
    });
  });
});
