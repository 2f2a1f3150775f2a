// `/__sim/*` handlers: thin wrappers over SimHandle; never authenticated, never counted as API calls.
import type { Reply } from '../http/io';
import type { Params } from '../http/router';
import { AdminError } from '../model/rule-error';
import type { Sim } from '../sim';
import type { AdvanceRequest, ConfigPatch, FaultRule, PatchSpec, SeedSpec } from '../types';

export interface AdminCtx {
  sim: Sim;
  params: Params;
  query: URLSearchParams;
  body: unknown;
  base: string;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

export const admin = {
  reset: (c: AdminCtx) => {
    const seed = (c.body as { seed?: unknown } | undefined)?.seed;
    if (seed !== undefined && !Number.isInteger(seed)) throw new AdminError('seed must be an integer');
    c.sim.reset({ seed: seed as number | undefined });
    return ok({ ok: true });
  },
  seed: (c: AdminCtx) => ok(c.sim.seed((c.body ?? {}) as SeedSpec)),
  patchServer: (c: AdminCtx) => ok(c.sim.patchServer(c.params.id, (c.body ?? {}) as PatchSpec)),
  patchVolume: (c: AdminCtx) => ok(c.sim.patchVolume(c.params.id, (c.body ?? {}) as PatchSpec)),
  state: (c: AdminCtx) => ok(c.sim.state(c.base)),
  getConfig: (c: AdminCtx) => ok(c.sim.config()),
  putConfig: (c: AdminCtx) => ok(c.sim.setConfig((c.body ?? {}) as ConfigPatch)),
  advance: (c: AdminCtx) => ok(c.sim.advance((c.body ?? {}) as AdvanceRequest)),
  addFault: (c: AdminCtx) => ok(c.sim.addFault((c.body ?? {}) as FaultRule)),
  listFaults: (c: AdminCtx) => ok({ faults: c.sim.faults() }),
  clearFaults: (c: AdminCtx) => {
    c.sim.clearFaults();
    return { status: 204 };
  },
  removeFault: (c: AdminCtx) => {
    if (!c.sim.removeFault(c.params.id)) throw new AdminError(`no fault ${c.params.id}`, 404);
    return { status: 204 };
  },
  oracle: (c: AdminCtx) => ok(c.sim.oracle()),
  rebaseline: (c: AdminCtx) => {
    c.sim.rebaseline();
    return ok(c.sim.oracle());
  },
  events: (c: AdminCtx) => {
    const since = Number(c.query.get('since') ?? 0);
    if (!Number.isInteger(since) || since < 0) throw new AdminError('since must be a non-negative integer');
    return ok({ events: c.sim.events(since) });
  },
} satisfies Record<string, (c: AdminCtx) => Reply>;
