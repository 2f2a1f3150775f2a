// Reproduction (found by `bench:faults --chaos-scale 3 --upload-fail 0.1`): an export request whose response is
// lost, and whose upload then fails, is requested a second time by the activity's retry — two export requests in
// one run (P3), and the killed image is never reported (P6).
//
// One in-use 10 GB disk on one running server. The simulator loses the response of the first
// `os-volume_upload_image` (the export is accepted) and fails that upload (image `killed`, gone after
// `killedImageTtlMs`). The upload takes 600 ms, less than the activity's first retry interval (1 s), so when
// `startExport` is retried the image is already `killed`: `findOurImage` only adopts queued/saving/active images,
// the disk is no longer `uploading`, and the retry exports again.
//
//   npx tsx bench/repro/killed-upload-retry.ts [--json]
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createCloudClient, loadCloudConfig } from '../../src/cloud';
import { startDevServer } from '../../src/dev/dev-server';
import { startExport } from '../../src/export-client';
import { createSim } from '../../src/sim';
import { createExportWorker } from '../../src/worker';
import { parseFlags } from '../lib/flags';
import { onShutdown, runBench, settle } from '../lib/setup';

const flags = parseFlags('repro:killed-upload-retry', 'a lost export response followed by a failed upload is exported twice', {
  json: { kind: 'boolean', default: false, help: 'print one JSON object' },
});

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const temporal = await startDevServer();
  onShutdown(() => temporal.stop());
  const sim = await createSim({
    seed: 1,
    config: { timings: { stopMs: 300, startMs: 300, uploadBaseMs: 500, uploadMsPerGb: 10, imageActivateMs: 200, killedImageTtlMs: 400, jobInitMs: 50 } },
  });
  onShutdown(() => sim.close());
  const cloud = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }));
  onShutdown(() => cloud.close());
  const native = await NativeConnection.connect({ address: temporal.address });
  onShutdown(() => native.close());
  const taskQueue = `repro-${randomUUID()}`;
  const worker = await createExportWorker({ connection: native, namespace: temporal.namespace, taskQueue, cloud, poll: { initialMs: 100, maxMs: 1000, fraction: 0.2 } });
  const running = worker.run();
  onShutdown(async () => {
    worker.shutdown();
    await running;
  });
  const connection = await Connection.connect({ address: temporal.address });
  onShutdown(() => connection.close());
  const client = new Client({ connection, namespace: temporal.namespace });

  const admin = sim.sim;
  const seeded = admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
  const volumeId = seeded.volumes[0].id;
  admin.addFault({ op: 'evs.uploadImage', kind: 'lost-response', times: 1 });
  admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail', times: 1 });

  const handle = await startExport(client, taskQueue, { volumeId, imageName: 'repro-image' });
  let outcome: Record<string, unknown>;
  try {
    const r = await handle.result();
    outcome = { status: 'done', imageId: r.imageId, imageStatus: r.imageStatus, adopted: r.adopted, uploadImageCalls: r.apiCalls['evs.uploadImage'] };
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause : err;
    outcome = { status: 'failed', message: cause instanceof Error ? cause.message : String(cause) };
  }
  await settle(admin, 10_000);
  const oracle = admin.oracle();
  const report = {
    run: outcome,
    exportRequests: oracle.exports.map((e) => ({ imageId: e.imageId, requestedAt: e.requestedAt, uploadEndedAt: e.uploadEndedAt, imageStatus: e.imageStatus })),
    duplicateExports: oracle.duplicateExports,
    p1Violations: oracle.p1Violations.length,
    serversNotRestored: oracle.serversNotRestored.length,
    expected: 'one export request; the run fails with ImageFailed naming the killed image (or adopts it and then fails)',
  };
  if (flags.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`run: ${JSON.stringify(outcome)}`);
    console.log(`export requests seen by the cloud: ${report.exportRequests.length}`);
    for (const e of report.exportRequests) console.log(`  image ${e.imageId} requested ${e.requestedAt}, upload ended ${e.uploadEndedAt}, now ${e.imageStatus}`);
    console.log(`oracle duplicateExports: ${JSON.stringify(oracle.duplicateExports)}`);
    console.log(`P1 violations ${report.p1Violations}, servers not restored ${report.serversNotRestored}`);
    console.log(`expected: ${report.expected}`);
  }
}

runBench(main);
