// The workflow code as prebuilt bundles, for production workers: `npm run build` runs this script, which writes
// lib/workflows.bundle.js and lib/workflows-traced.bundle.js (the same workflows; the second traces new runs, for
// workers with OTEL_TRACES_EXPORTER set); the built worker (lib/worker.js) loads one instead of bundling at every
// start (seconds of CPU, and webpack and swc at run time). Run from source (tsx), the worker bundles itself, so a
// change is never served stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BundleOptions, bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules } from './telemetry/tracing';

/** Where the built worker looks for the bundle: beside itself. */
export function bundleFile(traced: boolean): string {
  return join(__dirname, traced ? 'workflows-traced.bundle.js' : 'workflows.bundle.js');
}

/** The workflows and their interceptors (tracing or not): the prebuilt bundles, the one bundled at start, the tests'. */
export function bundleOptions(traced: boolean) {
  return {
    workflowsPath: join(__dirname, 'workflows'),
    workflowInterceptorModules: workflowInterceptorModules(traced),
  } satisfies BundleOptions;
}

/** The production default: no tracing. */
export const BUNDLE_OPTIONS = bundleOptions(false);

async function main(): Promise<void> {
  for (const traced of [false, true]) {
    const { code } = await bundleWorkflowCode(bundleOptions(traced));
    const file = bundleFile(traced);
    writeFileSync(file, code);
    console.log(`workflow bundle: ${file.slice(join(__dirname, '..').length + 1)} (${Math.round(code.length / 1024)} KiB)`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
