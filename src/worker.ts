// The worker: builds its dependencies once (one cloud client = one API budget per account on this worker),
// registers the workflows and activities on the task queue, and shuts down gracefully on SIGTERM/SIGINT.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { type PollPolicy, pollPolicyFromEnv } from './activities/poll';
import { createCloudClient, describeCloudConfig, loadCloudConfig } from './cloud';
import type { CloudApi } from './cloud/types';
import { loadTemporalSettings } from './config';
import { ensureSearchAttributes } from './search-attributes';

export interface ExportWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  cloud: CloudApi;
  /** Temporal client for the per-server holds; built from `connection` when absent. */
  client?: Client;
  /** How often a server hold checks its holders still run (EVS_EXPORT_HOLD_LIVENESS_MS, default 30 s). */
  holdLivenessMs?: number;
  poll?: Partial<PollPolicy>;
  /** A pre-built bundle (tests bundle once per file); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

// A directory path: the SDK's bundler resolves its index (.ts from source, .js when built).
export const WORKFLOWS_PATH = join(__dirname, 'workflows');

export function createExportWorker(o: ExportWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    ...(o.identity ? { identity: o.identity } : {}),
    ...(o.workflowBundle ? { workflowBundle: o.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({
      cloud: o.cloud,
      client: o.client ?? new Client({ connection: o.connection, namespace: o.namespace }),
      holdLivenessMs: o.holdLivenessMs ?? (Number(process.env.EVS_EXPORT_HOLD_LIVENESS_MS) || undefined),
      poll: o.poll,
    }),
    // Waits heartbeat; on shutdown they get time to notice and hand over cleanly.
    shutdownGraceTime: '20 seconds',
    // Cancellation reaches an activity only with a heartbeat; without this cap heartbeats (and so a cancel) could
    // wait 80% of the heartbeat timeout. A few heartbeat calls a second per worker are cheap.
    maxHeartbeatThrottleInterval: '1 second',
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger((process.env.LOG_LEVEL as 'INFO') || 'INFO') });
  const temporal = loadTemporalSettings();
  const cloudConfig = loadCloudConfig();
  const cloud = createCloudClient(cloudConfig);
  const client = await Connection.connect(temporal.connectionOptions);
  try {
    const added = await ensureSearchAttributes(client, temporal.namespace);
    if (added.length) console.log(`registered search attributes: ${added.join(', ')}`);
  } catch (err) {
    throw new Error(
      `search attributes are missing on namespace ${temporal.namespace} and could not be created (${(err as Error).message}); ` +
        'create them once with `evs-export setup` or in Temporal Cloud: EvsVolumeId, EvsPhase, EvsImageId (Keyword), EvsServerIds (KeywordList)',
    );
  } finally {
    await client.close();
  }
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  try {
    const worker = await createExportWorker({ connection, namespace: temporal.namespace, taskQueue: temporal.taskQueue, cloud, poll: pollPolicyFromEnv() });
    console.log(
      `worker polling task queue "${temporal.taskQueue}" on ${temporal.address} (namespace ${temporal.namespace}); cloud: ${describeCloudConfig(cloudConfig)}`,
    );
    await worker.run();
  } finally {
    await connection.close();
    await cloud.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
