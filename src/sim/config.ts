// Simulator timings and token lifetime: defaults for a realistic-but-fast demo, and validated partial updates.
import { AdminError } from './model/rule-error';
import type { ConfigPatch, SimConfig, Timings } from './types';

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
  },
  tokenTtlMs: 24 * 60 * 60 * 1000,
};

const NULLABLE = new Set<keyof Timings>([
  'stopMs',
  'hardStopMs',
  'startMs',
  'uploadBaseMs',
  'imageActivateMs',
  'killedImageTtlMs',
  'jobInitMs',
]);

export function mergeConfig(base: SimConfig, patch: ConfigPatch | undefined): SimConfig {
  const out: SimConfig = { timings: { ...base.timings }, tokenTtlMs: base.tokenTtlMs };
  if (patch === undefined) return out;
  if (typeof patch !== 'object' || patch === null) throw new AdminError('config must be an object');
  for (const key of Object.keys(patch)) if (key !== 'timings' && key !== 'tokenTtlMs') throw new AdminError(`unknown config key ${key}`);
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
  return out;
}
