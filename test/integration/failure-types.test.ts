// The failure types a run can end with that no other file provokes (the rest: export, faults, holds and the
// activity tests): a stop job that keeps failing, a restart that misses its deadline, a whole-server export of
// which one disk fails. Each time the run says why with its type, and the servers end as they began (P2).
import { describe, expect, it } from 'vitest';
import { startExport } from '../../src/export-client';
import type { exportServerDisks } from '../../src/workflows';
import { exportServerWorkflowId, FailureType } from '../../src/workflows/api';
import { failureOf, until, useHarness } from './harness';

const h = useHarness();

const status = (id: string) => String(h.admin.state().servers.find((s) => s.id === id)!.status);

describe('failure types', () => {
  it('JobFailed: a stop job that fails three times; nothing is exported and the server runs on', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    h.admin.addFault({ op: 'ecs.stop', kind: 'job-fail', code: 'Ecs.0100', message: 'the guest refused to shut down', times: 3 });
    const f = await h.withWorker(async (tq) =>
      failureOf((await startExport(h.client, tq, { volumeId: s.volumes[0].id, imageName: 'job-failed' })).result()),
    );
    expect(f.type).toBe(FailureType.JobFailed);
    expect(f.message).toContain('Ecs.0100');
    expect(h.admin.oracle().apiCalls.byOp['evs.uploadImage'] ?? 0).toBe(0);
    expect(status(s.servers[0].id)).toBe('ACTIVE');
  });

  it('RestartFailed: a server that does not start within deadlines.startMs; its hold starts it once it can', async () => {
    const s = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 5, attachedTo: ['app'] }] });
    const serverId = s.servers[0].id;
    const fault = h.admin.addFault({ op: 'ecs.start', kind: 'job-fail', code: 'Ecs.0226', message: 'Failed to start.', times: 0 });
    await h.withWorker(async (tq) => {
      const run = await startExport(h.client, tq, { volumeId: s.volumes[0].id, imageName: 'restart-failed', deadlines: { startMs: 3000 } });
      const f = await failureOf(run.result());
      expect(f.type).toBe(FailureType.RestartFailed);
      expect(f.message).toContain('deadlines.startMs = 3000 ms');
      expect(status(serverId)).toBe('SHUTOFF');
      // The image was made; the hold keeps trying and succeeds once the cloud lets it.
      expect(h.admin.oracle().exports).toHaveLength(1);
      h.admin.removeFault(fault.id);
      await until(() => status(serverId) === 'ACTIVE', 'the hold to start the server', 30_000);
    });
  });

  it('PartialExport: one disk of a whole-server export fails; the others are made, the servers run again', async () => {
    const s = h.admin.seed({
      servers: [{ name: 'web' }],
      volumes: [
        { name: 'web-sys', size: 5, bootable: true, attachedTo: ['web'], device: '/dev/vda' },
        { name: 'web-data', size: 5, attachedTo: ['web'], device: '/dev/vdb' },
      ],
    });
    const web = s.servers[0].id;
    h.admin.addFault({ op: 'evs.uploadImage', target: s.volumes[1].id, kind: 'upload-fail' });
    const f = await h.withWorker(async (tq) =>
      failureOf(
        h.client.workflow.execute<typeof exportServerDisks>('exportServerDisks', {
          taskQueue: tq,
          workflowId: exportServerWorkflowId(web),
          args: [{ serverId: web }],
        }),
      ),
    );
    expect(f.type).toBe(FailureType.PartialExport);
    expect(f.message).toContain('1 of 2 disks could not be exported');
    expect(f.message).toContain('/dev/vdb');
    const { images } = f.details?.[0] as { images: string[] };
    expect(images).toHaveLength(1);
    expect((await h.cloud.ims.getImage(images[0])).status).toBe('active');
    expect(status(web)).toBe('ACTIVE');
  });
});
