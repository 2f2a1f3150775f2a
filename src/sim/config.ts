// Simulator timings, token lifetime and quotas: defaults for a realistic-but-fast demo, and validated partial updates.
import { AdminError } from './model/rule-error';
import type { ConfigPatch, Quotas, SimConfig, Timings } from './types';

export const DEFAULT_CONFIG: SimConfig = {
  timings: {
    stopMs: 1500,
    hardStopMs: 500,
    startMs: 1500,
    uploadBaseMs: 1000,
    uploadMsPerGb: 100,
    imageActivateMs: 800,
    killedImageTtlMs: 2000,
    jobInitMs: 200,
    snapshotMs: 2000,
    volumeCreateBaseMs: 1000,
    volumeCreateMsPerGb: 20,
    deleteMs: 1000,
  },
  tokenTtlMs: 24 * 60 * 60 * 1000,
  quotas: {},
  allowForcedUpload: false,
};

const NULLABLE = new Set<keyof Timings>([
  'stopMs',
  'hardStopMs',
  'startMs',
  'uploadBaseMs',
  'imageActivateMs',
  'killedImageTtlMs',
  'jobInitMs',
  'snapshotMs',
  'volumeCreateBaseMs',
  'deleteMs',
]);

const QUOTA_KEYS: (keyof Quotas)[] = ['volumes', 'snapshots', 'gigabytes'];

export function mergeConfig(base: SimConfig, patch: ConfigPatch | undefined): SimConfig {
  const out: SimConfig = {
    timings: { ...base.timings },
    tokenTtlMs: base.tokenTtlMs,
    quotas: { ...base.quotas },
    allowForcedUpload: base.allowForcedUpload,
  };
  if (patch === undefined) return out;
  if (typeof patch !== 'object' || patch === null) throw new AdminError('config must be an object');
  for (const key of Object.keys(patch))
    if (key !== 'timings' && key !== 'tokenTtlMs' && key !== 'quotas' && key !== 'allowForcedUpload')
      throw new AdminError(`unknown config key ${key}`);
  if (patch.allowForcedUpload !== undefined) {
    if (typeof patch.allowForcedUpload !== 'boolean') throw new AdminError('allowForcedUpload must be true or false');
    out.allowForcedUpload = patch.allowForcedUpload;
  }
  for (const [k, v] of Object.entries(patch.timings ?? {})) {
    const key = k as keyof Timings;
    if (!(key in out.timings)) throw new AdminError(`unknown timing ${k}`);
    if (v === null && NULLABLE.has(key)) (out.timings[key] as number | null) = null;
    else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out.timings[key] = v;
    else throw new AdminError(`timings.${k} must be a number >= 0${NULLABLE.has(key) ? ' or null (manual)' : ''}`);
  }
  if (patch.tokenTtlMs !== undefined) {
    if (typeof patch.tokenTtlMs !== 'number' || !(patch.tokenTtlMs > 0)) throw new AdminError('tokenTtlMs must be a number > 0');
    out.tokenTtlMs = patch.tokenTtlMs;
  }
  if (patch.quotas !== undefined && (typeof patch.quotas !== 'object' || patch.quotas === null))
    throw new AdminError('quotas must be an object');
  for (const [k, v] of Object.entries(patch.quotas ?? {})) {
    const key = k as keyof Quotas;
    if (!QUOTA_KEYS.includes(key)) throw new AdminError(`unknown quota ${k}; known: ${QUOTA_KEYS.join(', ')}`);
    if (v === null) delete out.quotas[key];
    else if (Number.isInteger(v) && (v as number) >= 0) out.quotas[key] = v as number;
    else throw new AdminError(`quotas.${k} must be an integer >= 0, or null (unlimited)`);
  }
  return out;
}
