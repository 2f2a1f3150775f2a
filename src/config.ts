// Temporal connection settings, the Temporal way: `@temporalio/envconfig` reads TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE and temporal.toml. The cloud side is
// configured the OpenStack way (clouds.yaml / OS_CLOUD / OS_*), see src/cloud/config.ts.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { DEFAULT_TASK_QUEUE } from './workflows/api';

export interface TemporalSettings {
  address: string;
  /** Where the address came from, for messages that must say what to change. */
  addressSource: string;
  namespace: string;
  taskQueue: string;
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
}

export function loadTemporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const cfg = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const configured = cfg.connectionOptions.address;
  const address = configured ?? 'localhost:7233';
  const addressSource = env.TEMPORAL_ADDRESS
    ? 'TEMPORAL_ADDRESS'
    : configured
      ? `the temporal.toml profile ${env.TEMPORAL_PROFILE || 'default'}; TEMPORAL_ADDRESS overrides it`
      : 'the default; set TEMPORAL_ADDRESS';
  return {
    address,
    addressSource,
    namespace: cfg.namespace ?? 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    connectionOptions: { ...cfg.connectionOptions, address },
  };
}
