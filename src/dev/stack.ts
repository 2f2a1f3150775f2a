// `npm start`: the embedded stack kept up for people — Temporal Web UI on :8233 (state in .data/temporal.db),
// the simulator on :8780 seeded with a small topology, and a worker. Ctrl-C stops it all.
import { relative, resolve } from 'node:path';
import { DEMO_TOPOLOGY } from '../sim/demo-topology';
import { startLocalStack } from './local-stack';

const ROOT = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  // TEMPORAL_DB_FILE: another state file (a test runs this stack beside a person's).
  const dbFile = resolve(process.env.TEMPORAL_DB_FILE || resolve(ROOT, '.data', 'temporal.db'));
  const stack = await startLocalStack({
    temporalPort: Number(process.env.TEMPORAL_PORT ?? 7233),
    uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
    dbFile,
    simPort: Number(process.env.SIM_PORT ?? 8780),
    logLevel: 'WARN',
  });
  const seeded = stack.sim.sim.seed(DEMO_TOPOLOGY);
  const env = Object.entries({ TEMPORAL_ADDRESS: stack.temporal.address, ...stack.cloudEnv })
    .map(([k, v]) => `  export ${k}=${v}`)
    .join('\n');
  const servers = seeded.servers.map((s) => `  ${s.name.padEnd(16)} ${s.id}${serverNote(s.name)}`).join('\n');
  const disks = seeded.volumes.map((v) => `  ${v.name.padEnd(16)} ${v.id}${diskNote(v.name)}`).join('\n');
  const example = seeded.volumes.find((v) => v.name === 'shared-content')!;
  console.log(`
Temporal Web UI   ${stack.temporal.uiUrl}
Temporal gRPC     ${stack.temporal.address} (state in ${dbFile.startsWith(process.cwd()) ? relative(process.cwd(), dbFile) : dbFile})
Cloud simulator   ${stack.sim.url} (admin API under /__sim)
Worker            task queue "${stack.taskQueue}"

Servers seeded in the simulator:
${servers}

Disks seeded in the simulator:
${disks}

In another terminal:
${env}
  npx evs-export inspect --volume ${example.id}
  npx evs-export export --volume ${example.id} --image-name shared-content-1 --wait
  npx evs-export holds    # which servers exports hold stopped, and by whom

Or from the Web UI: Start Workflow → type "exportDiskImage", task queue "${stack.taskQueue}",
workflow id "export-${example.id}", input {"volumeId": "${example.id}", "imageName": "shared-content-1"}.

Ctrl-C stops everything.`);
  const stop = () => {
    console.log('\nstopping ...');
    void stack.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await stack.running;
}

/** A server seeded stopped says so: every export leaves it stopped (P2). */
function serverNote(name: string): string {
  const spec = DEMO_TOPOLOGY.servers?.find((s) => s.name === name);
  return spec?.status && spec.status !== 'ACTIVE' ? `  (${spec.status})` : '';
}

/** Which servers a disk is attached to: those an export of it stops. */
function diskNote(name: string): string {
  const spec = DEMO_TOPOLOGY.volumes?.find((v) => v.name === name);
  return spec?.attachedTo?.length ? `  attached to ${spec.attachedTo.join(', ')}` : '  not attached';
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
