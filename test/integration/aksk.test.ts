// Issue 12, "AK/SK verified": a worker whose cloud client signs every call with AK/SK (SDK-HMAC-SHA256, the
// simulator's gateway checks each signature, src/sim/apig/) exports a disk end to end without ever asking
// Keystone for a token; with a wrong secret the run fails at its first call with an authentication error the
// operator can read (CloudRejected, APIGW.0301), before any server is stopped, and the secret is in neither the
// failure nor the history.
import { describe, expect, it } from 'vitest';
import { createCloudClient, loadCloudConfig } from '../../src/cloud';
import { startExport } from '../../src/export-client';
import { FailureType, sourceVolumeTag } from '../../src/workflows/api';
import { failureOf, useHarness } from './harness';

const h = useHarness();

/** A cloud client configured from the simulator's AK/SK environment (no Keystone), optionally with another SK. */
function akskCloud(secretKey?: string) {
  const env = { ...h.sim.cloudEnvAkSk, ...(secretKey ? { OS_SECRET_KEY: secretKey } : {}) };
  return createCloudClient(loadCloudConfig({ env }));
}

const apiCalls = () => h.admin.events().filter((e) => e.type === 'api.call');

describe('AK/SK-signed exports', () => {
  it('a full export signed with AK/SK: servers stopped and restarted, image active, not one token requested', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'sys', size: 10, bootable: true, attachedTo: ['app'] }] });
    const [server] = seeded.servers;
    const [volume] = seeded.volumes;
    const cloud = akskCloud();
    try {
      const result = await h.withWorker(
        async (tq) => (await startExport(h.client, tq, { volumeId: volume.id, imageName: 'img-aksk', tags: ['aksk'] })).result(),
        { cloud },
      );
      expect(result.imageStatus).toBe('active');
      expect(result.servers).toEqual([expect.objectContaining({ serverId: server.id, wasRunning: true, state: 'restarted' })]);

      // Every call of the run went through the signature check and passed it; Keystone was never asked.
      const calls = apiCalls();
      expect(calls.length).toBeGreaterThan(5);
      expect(calls.filter((e) => e.auth !== 'aksk' || e.status === 401)).toEqual([]);
      const o = h.admin.oracle();
      expect(o.apiCalls.byOp['keystone.token'] ?? 0).toBe(0);
      expect(o.servers[server.id]).toMatchObject({ stops: 1, starts: 1 });
      expect(o.exports).toEqual([expect.objectContaining({ volumeId: volume.id, imageId: result.imageId, imageStatus: 'active' })]);
      expect(h.admin.state().images.find((i) => i.id === result.imageId)).toMatchObject({
        name: 'img-aksk',
        status: 'active',
        tags: ['aksk', sourceVolumeTag(volume.id)],
      });
    } finally {
      await cloud.close();
    }
  });

  it('a wrong secret fails the run with an authentication error before anything is stopped; the secret is nowhere', async () => {
    const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
    const [server] = seeded.servers;
    const [volume] = seeded.volumes;
    const { OS_SECRET_KEY: realSecret, OS_ACCESS_KEY: accessKey } = h.sim.cloudEnvAkSk;
    const wrongSecret = `wrong-${realSecret.slice(6)}`;
    expect(wrongSecret).not.toBe(realSecret);
    const cloud = akskCloud(wrongSecret);
    try {
      const { failure, history } = await h.withWorker(
        async (tq) => {
          const handle = await startExport(h.client, tq, { volumeId: volume.id, imageName: 'img-wrong-sk' });
          const failure = await failureOf(handle.result());
          return { failure, history: await handle.fetchHistory() };
        },
        { cloud },
      );
      expect(failure.type).toBe(FailureType.CloudRejected);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('401 APIGW.0301');
      expect(failure.message).toContain('Incorrect IAM authentication information: verify aksk signature fail');

      // Refused at the gateway on the run's first calls — the name lookup and the disk read, sent side by side — each
      // once (an auth failure is not retried); nothing was stopped.
      const calls = apiCalls();
      expect(calls.map((e) => [e.op, e.status, e.auth]).sort()).toEqual([
        ['evs.getVolume', 401, 'aksk'],
        ['ims.listImages', 401, 'aksk'],
      ]);
      expect(h.admin.events().filter((e) => e.type === 'server.stopping')).toEqual([]);
      expect(h.admin.state().servers.find((s) => s.id === server.id)?.status).toBe('ACTIVE');
      expect(h.admin.oracle().exports).toEqual([]);

      const kept = JSON.stringify({ message: failure.message, stack: failure.stack, cause: failure.cause, history });
      expect(kept).toContain('APIGW.0301');
      for (const secret of [wrongSecret, realSecret, accessKey]) expect(kept).not.toContain(secret);
    } finally {
      await cloud.close();
    }
  });
});
