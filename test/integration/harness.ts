// What every integration test file shares: the dev server from global-setup, one simulator per file (real
// HTTP on port 0), the workflow bundle built once per file, and a fresh task queue per test run in
// `worker.runUntil`, as Temporal's own samples do. Admin calls go to the in-process simulator handle.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type Logger,
  NativeConnection,
  Runtime,
  type TelemetryOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from 'vitest';
import { type CloudClientOptions, createCloudClient, loadCloudConfig } from '../../src/cloud';
import type { CloudApi } from '../../src/cloud/types';
import { createSim, type CreateSimOptions, type SimServer } from '../../src/sim';
import type { SimHandle } from '../../src/sim/types';
import { FAST_POLL, FAST_TIMINGS } from '../../src/dev/fast';
import { bundleOptions } from '../../src/bundle-workflows';
import { createExportWorker, type ExportWorkerOptions } from '../../src/worker';

export { FAST_POLL, FAST_TIMINGS };

export interface Harness {
  address: string;
  sim: SimServer;
  admin: SimHandle;
  cloud: CloudApi;
  client: Client;
  connection: NativeConnection;
  bundle: WorkflowBundleWithSourceMap;
  /** The options every test worker starts with: this file's connection, cloud, client, bundle and fast polls. */
  workerOptions(taskQueue: string): ExportWorkerOptions;
  /** Runs `fn` while a worker polls a fresh task queue (and its urgent queue); `o` overrides worker options. */
  withWorker<T>(fn: (taskQueue: string) => Promise<T>, o?: Partial<ExportWorkerOptions>): Promise<T>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export interface HarnessOptions {
  /** The worker's logger (one per test process: Runtime.install happens once). Default: WARN to the console. */
  logger?: Logger;
  /** Simulator options: its dialect (`openstack`: a vanilla catalog), and config merged over the fast timings. */
  sim?: Pick<CreateSimOptions, 'dialect' | 'config'>;
  /** The Runtime's telemetry (a Prometheus endpoint), set with the logger at the one Runtime.install. */
  telemetry?: TelemetryOptions;
  /** Options of the cloud client the workers share (an HTTP observer). */
  cloud?: CloudClientOptions;
  /** Bundle the workflows as a tracing worker does (new runs traced). */
  traced?: boolean;
}

export async function createHarness(o: HarnessOptions = {}): Promise<Harness> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: o.logger ?? new DefaultLogger('WARN'), ...(o.telemetry ? { telemetryOptions: o.telemetry } : {}) });
    runtimeInstalled = true;
  }
  const address = inject('temporalAddress');
  // Given at creation, so `reset()` between tests keeps the fast timings.
  const sim = await createSim({ ...o.sim, config: { ...FAST_TIMINGS, ...o.sim?.config } });
  const cloud = createCloudClient(loadCloudConfig({ env: sim.cloudEnv }), o.cloud);
  const bundle = await bundleWorkflowCode({ ...bundleOptions(o.traced ?? false), logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const workerOptions = (taskQueue: string): ExportWorkerOptions => ({
    connection,
    namespace: 'default',
    taskQueue,
    cloud,
    client,
    poll: FAST_POLL,
    holdLivenessMs: 1000,
    workflowBundle: bundle,
    // Each test is about one behaviour, most with several exports at once: unpaced. Admission (the default, auto)
    // has its tests (admission.test.ts); the tests of worker processes run the default.
    admission: 'off',
  });
  return {
    address,
    sim,
    admin: sim.sim,
    cloud,
    client,
    connection,
    bundle,
    workerOptions,
    async withWorker(fn, o) {
      const taskQueue = `test-${randomUUID()}`;
      const worker = await createExportWorker({ ...workerOptions(taskQueue), ...o });
      return worker.runUntil(fn(taskQueue));
    },
    async close() {
      await clientConnection.close();
      await connection.close();
      await cloud.close();
      await sim.close();
    },
  };
}

/** The oracle's promises for whatever ran so far: no P1 violation, every server restored, no duplicate export. */
export function expectCleanOracle(admin: SimHandle): void {
  const o = admin.oracle();
  expect(o.p1Violations).toEqual([]);
  expect(o.serversNotRestored).toEqual([]);
  expect(o.duplicateExports).toEqual([]);
  // Every snapshot and disk a run created is gone again.
  expect(o.leftovers).toEqual([]);
}

/** The change ids of the patch markers a run recorded (their payloads are base64 JSON: `{"id": ...}`). */
export function patchesIn(history: { events?: { markerRecordedEventAttributes?: unknown }[] | null }): string[] {
  return (history.events ?? []).flatMap((e) => {
    const m = e.markerRecordedEventAttributes as
      { markerName?: string; details?: Record<string, { payloads?: { data?: Uint8Array | string | null }[] | null }> } | undefined;
    const data = m?.markerName === 'core_patch' ? m.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    if (!data) return [];
    const text = typeof data === 'string' ? Buffer.from(data, 'base64').toString() : Buffer.from(data).toString();
    return [(JSON.parse(text) as { id: string }).id];
  });
}

/** The ApplicationFailure a run failed with; fails the test if it did not fail. */
export async function failureOf(result: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await result.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** Awaits a condition (no sleeps as synchronisation): polls `check` until it returns a truthy value. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves when the simulator has logged an event of this type (optionally matching), returning it. */
export function event(admin: SimHandle, type: string, match: (e: Record<string, unknown>) => boolean = () => true, timeoutMs?: number) {
  return until(() => admin.events().find((e) => e.type === type && match(e)), `sim event ${type}`, timeoutMs);
}

/**
 * The usual hooks of an integration file: one harness for the file, a fresh simulator world per test, and the
 * oracle's promises checked after every test. The returned object is filled in before the first test runs.
 */
export function useHarness(o: HarnessOptions = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await createHarness(o));
  });
  afterAll(() => h.close?.());
  beforeEach(() => h.admin.reset());
  afterEach(() => expectCleanOracle(h.admin));
  return h;
}

const BIN = join(resolve(__dirname, '..', '..'), 'bin', 'evs-export.js');

/** The `evs-export` CLI as a user runs it: a child process with the Temporal and OS_* environment. */
export function runCli(h: Harness, taskQueue: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliWithEnv(h, taskQueue, {}, ...args);
}

/** `runCli` with more environment (OTEL_* for a traced command). */
export function runCliWithEnv(
  h: Harness,
  taskQueue: string,
  more: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: h.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...h.sim.cloudEnv,
    ...more,
  };
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
