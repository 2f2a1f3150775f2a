// The embedded default stack: a Temporal dev server, the cloud simulator and a worker, all in this process
// tree. `npm run demo` and `npm start` use it; a real cloud and cluster need none of it.
import { NativeConnection, Runtime } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { createCloudClient, loadCloudConfig } from '../cloud';
import type { CloudApi } from '../cloud/types';
import { createSim, simCloudEnv, type SimServer } from '../sim';
import { createExportWorker, type ExportWorker } from '../worker';
import { DEFAULT_TASK_QUEUE } from '../workflows/api';
import { type DevServer, startDevServer } from './dev-server';
import { terseLogger } from './terse-logger';

export interface LocalStackOptions {
  temporalPort?: number;
  uiPort?: number | false;
  dbFile?: string;
  simPort?: number;
  taskQueue?: string;
  /** Worker log level; the demo keeps the worker quiet. */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export interface LocalStack {
  temporal: DevServer;
  sim: SimServer;
  cloudEnv: Record<string, string>;
  cloud: CloudApi;
  client: Client;
  taskQueue: string;
  worker: ExportWorker;
  /** Resolves when the worker has stopped. */
  running: Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalStack(o: LocalStackOptions = {}): Promise<LocalStack> {
  Runtime.install({ logger: terseLogger(o.logLevel ?? 'WARN') });
  const temporal = await startDevServer({ port: o.temporalPort, uiPort: o.uiPort, dbFile: o.dbFile });
  const sim = await createSim({ port: o.simPort ?? 0 });
  const cloudEnv = simCloudEnv(sim.url);
  const cloud = createCloudClient(loadCloudConfig({ env: cloudEnv }));
  const taskQueue = o.taskQueue ?? DEFAULT_TASK_QUEUE;
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const worker = await createExportWorker({ connection: nativeConnection, namespace: temporal.namespace, taskQueue, cloud });
  const running = worker.run();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
      await nativeConnection.close();
      await cloud.close();
      await sim.close();
      await temporal.stop();
    })());
  return { temporal, sim, cloudEnv, cloud, client, taskQueue, worker, running, stop };
}
