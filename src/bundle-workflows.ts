// The workflow code as one prebuilt bundle, for production workers: `npm run build` runs this script, which writes
// lib/workflows.bundle.js; the built worker (lib/worker.js) loads it instead of bundling at every start (seconds of
// CPU, and webpack and swc at run time). Run from source (tsx), the worker bundles itself, so a change is never served stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BundleOptions, bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from './telemetry/tracing';

/** Where the built worker looks for the bundle: beside itself. */
export const BUNDLE_FILE = join(__dirname, 'workflows.bundle.js');

/** The workflows and the interceptors every bundle carries: the prebuilt one, the one bundled at start, the tests'. */
export const BUNDLE_OPTIONS = {
  workflowsPath: join(__dirname, 'workflows'),
  workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
} satisfies BundleOptions;

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode(BUNDLE_OPTIONS);
  writeFileSync(BUNDLE_FILE, code);
  console.log(`workflow bundle: ${BUNDLE_FILE.slice(join(__dirname, '..').length + 1)} (${Math.round(code.length / 1024)} KiB)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
