// `npm run demo`: the whole product on the embedded stack. Exports a shared disk attached to two running
// servers, printing each phase as it happens, then the image, the downtime and the simulator's verdict.
import { readPlan } from '../activities/plan';
import { formatPlan, formatResult, progressChanges } from '../cli/format';
import { followExport, startExport } from '../export-client';
import type { ExportProgress } from '../workflows/api';
import { startLocalStack } from './local-stack';

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log('starting the embedded stack: Temporal dev server, cloud simulator, worker ...');
  const stack = await startLocalStack();
  try {
    console.log(`  Temporal ${stack.temporal.address}, simulator ${stack.sim.url} (${Date.now() - t0} ms)\n`);
    const seeded = stack.sim.sim.seed({
      servers: [{ name: 'app-1' }, { name: 'app-2' }],
      volumes: [{ name: 'shared-data', size: 10, multiattach: true, attachedTo: ['app-1', 'app-2'] }],
    });
    const volumeId = seeded.volumes[0].id;
    const { plan } = await readPlan(stack.cloud, { volumeId });
    console.log(`${formatPlan(plan)}\n`);

    const imageName = `demo-shared-data-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    const handle = await startExport(stack.client, stack.taskQueue, { volumeId, imageName, tags: ['demo'] });
    console.log(`started workflow ${handle.workflowId}`);
    let prev: ExportProgress | undefined;
    const result = await followExport(
      handle,
      (p) => {
        for (const line of progressChanges(prev, p)) console.log(line);
        prev = p;
      },
      200,
    );
    console.log(`\n${formatResult(result)}`);

    const oracle = stack.sim.sim.oracle();
    console.log(
      `\nsimulator oracle: ${oracle.p1Violations.length} P1 violations, ${oracle.serversNotRestored.length} servers not restored, ` +
        `${oracle.duplicateExports.length} duplicate exports, ${oracle.apiCalls.total} API calls`,
    );
    for (const [id, s] of Object.entries(oracle.servers)) {
      const name = seeded.servers.find((x) => x.id === id)?.name;
      console.log(
        `  ${name ? `${name} (${id})` : id}: stopped ${s.stops}x, started ${s.starts}x, downtime ${(s.downtimeMs / 1000).toFixed(1)} s (measured by the cloud)`,
      );
    }
    if (oracle.p1Violations.length || oracle.serversNotRestored.length || oracle.duplicateExports.length) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
  console.log(`\ndone in ${((Date.now() - t0) / 1000).toFixed(1)} s; everything the demo started is stopped.`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
