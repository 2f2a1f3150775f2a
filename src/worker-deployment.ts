// Worker Versioning (Temporal Worker Deployments) for the export worker, off unless EVS_EXPORT_DEPLOYMENT_NAME and
// EVS_EXPORT_BUILD_ID are both set. A versioned worker belongs to one Worker Deployment Version (deployment name +
// build id); the server sends new runs to the deployment's *current* version only.
//
// - Export runs (exportDiskImage, exportServerDisks, scheduledExport — every type the worker registers) are PINNED,
//   the worker's default: a run finishes on the build that started it, so a new build never replays an old run's
//   history. A child (the per-disk exports of exportServerDisks and scheduledExport) inherits its parent's version.
// - `serverHold` is AUTO_UPGRADE (see server-hold.ts for why): it moves to the current version at its next task.
// - With no current version the server gives new runs to unversioned workers only, so a versioned worker would sit
//   idle. Unless EVS_EXPORT_SET_CURRENT_IF_NONE=false, a worker makes its own version current when — and only when —
//   the deployment has no current version and none ramping (the first versioned deployment). Any later build
//   waits for the operator's `temporal worker deployment set-current-version` (docs/upgrades.md).
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowService } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { Runtime, type Worker, type WorkerDeploymentOptions, type WorkerOptions, type WorkerPlugin } from '@temporalio/worker';
import { WorkerConfigError } from './worker-limits';

export const DEPLOYMENT_NAME_ENV = 'EVS_EXPORT_DEPLOYMENT_NAME';
export const BUILD_ID_ENV = 'EVS_EXPORT_BUILD_ID';
export const SET_CURRENT_IF_NONE_ENV = 'EVS_EXPORT_SET_CURRENT_IF_NONE';

// Temporal refuses '.' and ':' in a deployment name (they delimit version strings); build ids end up in system
// workflow ids (255 characters at most on SQL stores). Stricter than the server, so a typo fails at start.
const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** What both Worker.create calls of the export worker (main and urgent queue) spread in: versioned identically. */
export interface WorkerDeployment {
  workerDeploymentOptions: WorkerDeploymentOptions;
  /** Present when the worker makes its version current if the deployment has none: see SetCurrentIfNone. */
  plugins?: WorkerPlugin[];
}

export interface WorkerDeploymentSettings {
  /** Make this version current when the deployment has no current (and no ramping) version. Default true. */
  setCurrentIfNone?: boolean;
}

/** A versioned worker's options: exports PINNED by default (serverHold opts into AUTO_UPGRADE itself). */
export function workerDeployment(version: WorkerDeploymentVersion, o: WorkerDeploymentSettings = {}): WorkerDeployment {
  const workerDeploymentOptions: WorkerDeploymentOptions = {
    version: { deploymentName: version.deploymentName, buildId: version.buildId },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'PINNED',
  };
  return o.setCurrentIfNone === false ? { workerDeploymentOptions } : { workerDeploymentOptions, plugins: [new SetCurrentIfNone()] };
}

/**
 * EVS_EXPORT_DEPLOYMENT_NAME and EVS_EXPORT_BUILD_ID (both or neither; empty counts as unset) and
 * EVS_EXPORT_SET_CURRENT_IF_NONE (true|false, default true). Undefined = an unversioned worker, the default.
 */
export function workerDeploymentFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerDeployment | undefined {
  const name = env[DEPLOYMENT_NAME_ENV] || undefined;
  const buildId = env[BUILD_ID_ENV] || undefined;
  const setCurrentIfNone = booleanFromEnv(env, SET_CURRENT_IF_NONE_ENV, true);
  if (name === undefined && buildId === undefined) return undefined;
  if (name === undefined || buildId === undefined) {
    const [set, missing] = name === undefined ? [BUILD_ID_ENV, DEPLOYMENT_NAME_ENV] : [DEPLOYMENT_NAME_ENV, BUILD_ID_ENV];
    throw new WorkerConfigError(
      `${set}=${JSON.stringify(env[set])} is set but ${missing} is not: set both for a versioned worker, or neither for an unversioned one`,
    );
  }
  return workerDeployment({ deploymentName: checkedDeploymentName(name), buildId: checkedBuildId(buildId) }, { setCurrentIfNone });
}

/** A deployment name, or a WorkerConfigError naming `label` (the variable or flag it came from) and the value. */
export function checkedDeploymentName(name: string, label = DEPLOYMENT_NAME_ENV): string {
  if (DEPLOYMENT_NAME.test(name)) return name;
  throw new WorkerConfigError(
    `${label}: expected 1–64 letters, digits, - or _ (starting with a letter or digit), got ${JSON.stringify(name)}`,
  );
}

/** A build id, or a WorkerConfigError naming `label` and the value. */
export function checkedBuildId(buildId: string, label = BUILD_ID_ENV): string {
  if (BUILD_ID.test(buildId)) return buildId;
  throw new WorkerConfigError(
    `${label}: expected 1–128 letters, digits, . _ + or - (starting with a letter or digit), got ${JSON.stringify(buildId)}`,
  );
}

function booleanFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new WorkerConfigError(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
}

type Versioned = Pick<WorkerOptions, 'workerDeploymentOptions' | 'plugins'> | undefined;

/** The version of a versioned worker's options (a WorkerDeployment, or a running Worker's `options`), or undefined. */
export function deploymentVersion(d: Versioned): WorkerDeploymentVersion | undefined {
  return d?.workerDeploymentOptions?.useWorkerVersioning ? d.workerDeploymentOptions.version : undefined;
}

/** For the worker's start-up line. */
export function describeWorkerDeployment(d: Versioned): string {
  const v = deploymentVersion(d);
  if (!v) return `unversioned (set ${DEPLOYMENT_NAME_ENV} and ${BUILD_ID_ENV} to version it)`;
  const promote = d?.plugins?.some((p) => p instanceof SetCurrentIfNone) ? ', made current if the deployment has none' : '';
  return `deployment ${v.deploymentName}, build ${v.buildId} (exports pinned, server holds auto-upgrade${promote})`;
}

/** The operator's command that makes a version current. */
export function setCurrentCommand(v: WorkerDeploymentVersion): string {
  return `temporal worker deployment set-current-version --deployment-name ${v.deploymentName} --build-id ${v.buildId}`;
}

export const showVersion = (v: WorkerDeploymentVersion) => `${v.deploymentName}:${v.buildId}`;

// ---- The deployment's routing, read and changed through the Temporal API (a worker's or a client's connection)

type Service = Pick<WorkflowService, 'describeWorkerDeployment' | 'describeWorkerDeploymentVersion' | 'setWorkerDeploymentCurrentVersion'>;

const UNVERSIONED = '__unversioned__';
const NOT_FOUND = 5;

export interface DeploymentRouting {
  /** False while no worker of the deployment has polled yet. */
  exists: boolean;
  current?: WorkerDeploymentVersion;
  ramping?: WorkerDeploymentVersion | 'unversioned';
  /** Changes with every routing change: a write with a stale token is refused. */
  conflictToken?: Uint8Array;
}

function parseVersion(
  v: { deploymentName?: string | null; buildId?: string | null } | null | undefined,
  legacy: string | null | undefined,
): WorkerDeploymentVersion | 'unversioned' | undefined {
  if (v?.buildId && v.deploymentName) return { deploymentName: v.deploymentName, buildId: v.buildId };
  if (!legacy) return undefined;
  if (legacy === UNVERSIONED) return 'unversioned';
  const dot = legacy.indexOf('.');
  return { deploymentName: legacy.slice(0, dot), buildId: legacy.slice(dot + 1) };
}

export async function deploymentRouting(service: Service, namespace: string, deploymentName: string): Promise<DeploymentRouting> {
  try {
    const r = await service.describeWorkerDeployment({ namespace, deploymentName });
    const rc = r.workerDeploymentInfo?.routingConfig;
    const current = parseVersion(rc?.currentDeploymentVersion, rc?.currentVersion);
    return {
      exists: true,
      current: current === 'unversioned' ? undefined : current,
      ramping: parseVersion(rc?.rampingDeploymentVersion, rc?.rampingVersion),
      conflictToken: r.conflictToken ?? undefined,
    };
  } catch (err) {
    if ((err as { code?: number }).code === NOT_FOUND) return { exists: false };
    throw err;
  }
}

/** The task queues on which workers of this version have polled. */
export async function versionTaskQueues(service: Service, namespace: string, v: WorkerDeploymentVersion): Promise<string[]> {
  try {
    const r = await service.describeWorkerDeploymentVersion({ namespace, deploymentVersion: v });
    return (r.workerDeploymentVersionInfo?.taskQueueInfos ?? []).map((t) => t.name ?? '');
  } catch (err) {
    if ((err as { code?: number }).code === NOT_FOUND) return [];
    throw err;
  }
}

/** Whether workers of `v` have polled every one of `taskQueues`: a version becomes current only once they all have. */
export async function pollsEvery(service: Service, namespace: string, v: WorkerDeploymentVersion, taskQueues: string[]): Promise<boolean> {
  const known = await versionTaskQueues(service, namespace, v);
  return taskQueues.every((q) => known.includes(q));
}

export async function setCurrentVersion(
  service: Service,
  namespace: string,
  v: WorkerDeploymentVersion,
  o: { identity: string; conflictToken?: Uint8Array },
): Promise<void> {
  await service.setWorkerDeploymentCurrentVersion({
    namespace,
    deploymentName: v.deploymentName,
    buildId: v.buildId,
    identity: o.identity,
    ...(o.conflictToken ? { conflictToken: o.conflictToken } : {}),
  });
}

export type SetCurrentOutcome =
  | { outcome: 'made-current' }
  | { outcome: 'already-current' }
  | { outcome: 'other-current'; current: WorkerDeploymentVersion }
  | { outcome: 'ramping'; ramping: WorkerDeploymentVersion | 'unversioned' }
  | { outcome: 'gave-up'; lastError?: string };

export interface SetCurrentIfNoneOptions {
  /** Every task queue the version's workers poll: the version becomes current only once all of them are known. */
  taskQueues: string[];
  identity: string;
  timeoutMs?: number;
  /** Stop trying (the worker is shutting down). */
  stopped?: () => boolean;
}

/**
 * Makes `v` current if the deployment has neither a current nor a ramping version — atomically: the write carries
 * the conflict token of the read that saw no current version, so a version set meanwhile (another worker, an
 * operator) wins and this one is left alone. Waits for the version's task queues to be registered first.
 */
export async function setCurrentIfNone(
  service: Service,
  namespace: string,
  v: WorkerDeploymentVersion,
  o: SetCurrentIfNoneOptions,
): Promise<SetCurrentOutcome> {
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let lastError: string | undefined;
  for (let attempt = 0; Date.now() < deadline && !o.stopped?.(); attempt++) {
    if (attempt > 0) await sleep(Math.min(200 * attempt, 2000));
    try {
      const routing = await deploymentRouting(service, namespace, v.deploymentName);
      if (!routing.exists) continue;
      if (routing.current) {
        const same = routing.current.buildId === v.buildId;
        return same ? { outcome: 'already-current' } : { outcome: 'other-current', current: routing.current };
      }
      if (routing.ramping) return { outcome: 'ramping', ramping: routing.ramping };
      if (!(await pollsEvery(service, namespace, v, o.taskQueues))) continue;
      await setCurrentVersion(service, namespace, v, { identity: o.identity, conflictToken: routing.conflictToken });
      return { outcome: 'made-current' };
    } catch (err) {
      // A stale conflict token (someone changed the routing meanwhile) or a server still registering the version:
      // read again.
      lastError = (err as Error).message;
    }
  }
  return { outcome: 'gave-up', lastError };
}

/**
 * A worker plugin: once the worker runs, makes its version current if the deployment has none (setCurrentIfNone).
 * One instance is shared by the main and the urgent worker, so it tries once, for both task queues.
 */
export class SetCurrentIfNone implements WorkerPlugin {
  readonly name = 'evs-export-set-current-if-none';
  private readonly taskQueues = new Set<string>();
  private target?: { service: Service; namespace: string; version: WorkerDeploymentVersion };
  private started = false;

  configureWorker(options: WorkerOptions): WorkerOptions {
    const d = options.workerDeploymentOptions;
    if (options.connection && d?.useWorkerVersioning) {
      this.taskQueues.add(options.taskQueue);
      this.target = { service: options.connection.workflowService, namespace: options.namespace ?? 'default', version: d.version };
    }
    return options;
  }

  runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    if (!this.started && this.target) {
      this.started = true;
      void this.promote(worker, this.target);
    }
    return next(worker);
  }

  private async promote(worker: Worker, t: NonNullable<SetCurrentIfNone['target']>): Promise<void> {
    const log = Runtime.instance().logger;
    const shown = showVersion(t.version);
    const r = await setCurrentIfNone(t.service, t.namespace, t.version, {
      taskQueues: [...this.taskQueues],
      identity: `evs-export worker ${process.pid}@${hostname()}`,
      stopped: () => !['INITIALIZED', 'RUNNING'].includes(worker.getState()),
    }).catch((err: Error): SetCurrentOutcome => ({ outcome: 'gave-up', lastError: err.message }));
    switch (r.outcome) {
      case 'made-current':
        return log.info(`worker deployment ${t.version.deploymentName} had no current version: made ${shown} current`);
      case 'already-current':
        return log.info(`worker deployment version ${shown} is current`);
      case 'other-current':
        return log.info(
          `worker deployment version ${showVersion(r.current)} is current: this version (${shown}) gets new runs once promoted ` +
            `(${setCurrentCommand(t.version)}, docs/upgrades.md)`,
        );
      case 'ramping':
        return log.info(`worker deployment ${t.version.deploymentName} is ramping a version: ${shown} left as it is`);
      case 'gave-up':
        if (['INITIALIZED', 'RUNNING'].includes(worker.getState()))
          log.warn(
            `could not make ${shown} current${r.lastError ? ` (${r.lastError})` : ''}; until a version is current, no versioned ` +
              `worker gets new runs: ${setCurrentCommand(t.version)}`,
          );
    }
  }
}
