// Fault rules set through `/__sim/faults`. A rule matches an operation (or '*') and optionally one resource;
// `after` skips the first N matches, `probability` draws from the sim's seeded RNG, `times` (default 1,
// 0 = unlimited) counts applications. Request-level kinds are applied by server.ts; `job-fail`, `upload-fail`,
// `create-fail` and `conflict` are taken by the ECS/Nova and EVS handlers at the moment the effect happens.
import { AdminError } from './model/rule-error';
import type { Rng } from './model/rng';
import { FAULT_KINDS, type FaultKind, type FaultRule, OPS, type StoredFault } from './types';

// `create-fail`: the snapshot or disk is accepted, then ends in `error` (a native creation's job FAILs).
const ONLY_FOR: Partial<Record<FaultKind, string[]>> = {
  'job-fail': ['ecs.stop', 'ecs.start'],
  'upload-fail': ['evs.uploadImage'],
  'create-fail': ['evs.createSnapshot', 'evs.createVolume', 'evs.createVolumeNative'],
  conflict: ['ecs.stop', 'ecs.start'],
};

export class FaultBook {
  private rules: StoredFault[] = [];
  private nextId = 1;

  constructor(private rng: Rng) {}

  reset(rng: Rng): void {
    this.rules = [];
    this.nextId = 1;
    this.rng = rng;
  }

  add(rule: FaultRule): { id: string } {
    validate(rule);
    const id = `fault-${this.nextId++}`;
    this.rules.push({ ...rule, times: rule.times ?? 1, after: rule.after ?? 0, id, matched: 0, applied: 0 });
    return { id };
  }

  list(): StoredFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < n;
  }

  clear(): void {
    this.rules = [];
  }

  /** The first rule of one of `kinds` that fires for this op and any of `targets`; consumes one application. */
  take(op: string, targets: string[], kinds: readonly FaultKind[]): StoredFault | undefined {
    for (const r of this.rules) {
      if (!kinds.includes(r.kind) || (r.op !== '*' && r.op !== op)) continue;
      if (r.target !== undefined && !targets.includes(r.target)) continue;
      r.matched++;
      if (r.matched <= (r.after ?? 0)) continue;
      if (r.probability !== undefined && this.rng.next() >= r.probability) continue;
      r.applied++;
      if (r.times !== 0 && r.applied >= (r.times ?? 1)) this.rules = this.rules.filter((x) => x !== r);
      return { ...r };
    }
    return undefined;
  }
}

function validate(r: FaultRule): void {
  if (typeof r !== 'object' || r === null) throw new AdminError('fault rule must be an object');
  if (r.op !== '*' && !(OPS as readonly string[]).includes(r.op))
    throw new AdminError(`op must be '*' or one of ${OPS.join(', ')}; got ${JSON.stringify(r.op)}`);
  if (!FAULT_KINDS.includes(r.kind)) throw new AdminError(`kind must be one of ${FAULT_KINDS.join(', ')}; got ${JSON.stringify(r.kind)}`);
  const only = ONLY_FOR[r.kind];
  if (only && r.op !== '*' && !only.includes(r.op)) throw new AdminError(`kind ${r.kind} applies only to ${only.join(', ')}`);
  if (r.target !== undefined && typeof r.target !== 'string') throw new AdminError('target must be a string');
  const int = (k: keyof FaultRule, min: number, max = Infinity) => {
    const v = r[k];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max))
      throw new AdminError(`${k} must be an integer in [${min}, ${max}]`);
  };
  int('status', 100, 599);
  int('times', 0);
  int('after', 0);
  int('retryAfterSec', 0);
  int('delayMs', 0);
  if (r.probability !== undefined && !(typeof r.probability === 'number' && r.probability >= 0 && r.probability <= 1))
    throw new AdminError('probability must be a number in [0, 1]');
  if (r.kind === 'delay' && r.delayMs === undefined) throw new AdminError('a delay fault needs delayMs');
}
