// `npm run sim`: the cloud simulator on its own. Flags: --port (default $SIM_PORT or 8780), --host, --demo
// (seed a small topology), --seed <n> (deterministic ids), --fast (short timings), --dialect otc|openstack (the
// catalog it serves: OTC's, or a vanilla OpenStack one). Ctrl-C stops it.
import { parseArgs } from 'node:util';
import { DEMO_TOPOLOGY } from './demo-topology';
import { createSim } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.SIM_PORT ?? '8780' },
      host: { type: 'string', default: '127.0.0.1' },
      demo: { type: 'boolean', default: false },
      seed: { type: 'string' },
      fast: { type: 'boolean', default: false },
      dialect: { type: 'string', default: 'otc' },
    },
  });
  if (values.dialect !== 'otc' && values.dialect !== 'openstack') throw new Error(`--dialect: otc or openstack, not ${values.dialect}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: ${values.port} is not a port number`);
  const fast = {
    stopMs: 200,
    hardStopMs: 100,
    startMs: 200,
    uploadBaseMs: 200,
    uploadMsPerGb: 10,
    imageActivateMs: 100,
    killedImageTtlMs: 500,
    jobInitMs: 50,
  };
  const s = await createSim({
    port,
    host: values.host,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    dialect: values.dialect,
    config: values.fast ? { timings: fast } : undefined,
  });
  const seeded = values.demo ? s.sim.seed(DEMO_TOPOLOGY) : undefined;

  console.log(`cloud simulator listening on ${s.url} (admin API under ${s.url}/__sim)\n\nPoint a client at it:`);
  for (const [k, v] of Object.entries(s.cloudEnv)) console.log(`  export ${k}=${v}`);
  console.log('Or sign requests with AK/SK (SDK-HMAC-SHA256) instead of a token:');
  for (const [k, v] of Object.entries(s.cloudEnvAkSk)) console.log(`  export ${k}=${v}`);
  if (seeded) {
    console.log('\nServers:');
    for (const x of seeded.servers) console.log(`  ${x.name.padEnd(16)} ${x.id}`);
    console.log('Disks:');
    for (const x of seeded.volumes) console.log(`  ${x.name.padEnd(16)} ${x.id}`);
  }
  console.log(`\nOracle: curl ${s.url}/__sim/oracle    Events: curl ${s.url}/__sim/events\nCtrl-C stops it.`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
