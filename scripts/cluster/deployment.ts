// Worker Versioning in the cluster: its workers are one version of a Worker Deployment (EVS_EXPORT_DEPLOYMENT_NAME,
// EVS_EXPORT_BUILD_ID), as in production. The build id defaults to `<package.json version>-<git short sha>`, with
// `-dirty` when tracked files have local changes (one build id for every such state: pass --build-id to tell them
// apart). Once the workers poll, the cluster makes their version current: it has just stopped every worker of the
// version before, so nothing else could take new runs (--no-promote leaves that to you: docs/upgrades.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import {
  BUILD_ID_ENV,
  DEPLOYMENT_NAME_ENV,
  setCurrentCommand,
  setCurrentIfNone,
  setCurrentVersion,
  showVersion,
  pollsEvery,
} from '../../src/worker-deployment';
import { urgentTaskQueue } from '../../src/workflows/api';
import { retry, run } from './exec';
import type { ClusterOptions } from './options';
import { ROOT } from './paths';
import { NAMESPACE } from './temporal';

/** `<package.json version>-<git short sha>[-dirty]`; `-dev` instead of the sha outside a git checkout. */
export async function defaultBuildId(): Promise<string> {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const git = (...args: string[]) => run('git', ['-C', ROOT, ...args], { timeoutMs: 30_000 }).then((out) => out.trim());
  const sha = await git('rev-parse', '--short', 'HEAD').catch(() => undefined);
  if (!sha) return `${version}-dev`;
  const dirty = await git('status', '--porcelain', '--untracked-files=no').catch(() => '');
  return `${version}-${sha}${dirty ? '-dirty' : ''}`;
}

/** The options with the build id fixed (kept in pids.json, so a worker added later joins the same version). */
export async function withBuildId(o: ClusterOptions): Promise<ClusterOptions> {
  return !o.versioned || o.buildId ? o : { ...o, buildId: await defaultBuildId() };
}

export function clusterVersion(o: ClusterOptions): WorkerDeploymentVersion | undefined {
  return o.versioned && o.buildId ? { deploymentName: o.deploymentName, buildId: o.buildId } : undefined;
}

/** The workers' versioning variables (none for unversioned workers). */
export function workerVersionEnv(o: ClusterOptions): Record<string, string> {
  const v = clusterVersion(o);
  return v ? { [DEPLOYMENT_NAME_ENV]: v.deploymentName, [BUILD_ID_ENV]: v.buildId } : {};
}

/**
 * Makes the workers' version current once they poll both task queues (unless --no-promote and another version is
 * current); returns what the summary says about it.
 */
export async function promoteWorkers(o: ClusterOptions, address: string, log: (s: string) => void): Promise<string> {
  const v = clusterVersion(o);
  if (!v) return 'unversioned';
  const shown = showVersion(v);
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  const taskQueues = [o.taskQueue, urgentTaskQueue(o.taskQueue)];
  try {
    // The first version of the deployment: the workers make themselves current (atomically, whoever comes first).
    const r = await setCurrentIfNone(service, NAMESPACE, v, { taskQueues, identity: 'npm run cluster', timeoutMs: 120_000 });
    switch (r.outcome) {
      case 'made-current':
      case 'already-current':
        return `${shown}, current`;
      case 'ramping':
        return `${shown}, not current: the deployment is ramping a version (${setCurrentCommand(v)})`;
      case 'gave-up':
        throw new Error(`the workers' version ${shown} did not become current: ${r.lastError ?? 'it never registered'}`);
      case 'other-current':
        if (!o.promote) return `${shown}, NOT current (${showVersion(r.current)} is): ${setCurrentCommand(v)}`;
        await retry(`making ${shown} current`, async () => {
          if (!(await pollsEvery(service, NAMESPACE, v, taskQueues)))
            throw new Error(`its workers do not poll ${taskQueues.join(' and ')} yet`);
          await setCurrentVersion(service, NAMESPACE, v, { identity: 'npm run cluster' });
        });
        log(`made ${shown} current (was ${showVersion(r.current)}: runs pinned to it wait for workers of that build)`);
        return `${shown}, current (was ${showVersion(r.current)})`;
    }
  } finally {
    await connection.close();
  }
}
