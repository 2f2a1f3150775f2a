// The simulator's core: one world, the fault book and the oracle, plus every admin operation (SimHandle).
// server.ts puts HTTP in front of it; tests in the same process may also call it directly.
import { createHash } from 'node:crypto';
import { DEFAULT_CONFIG, mergeConfig } from './config';
import { renderServer, renderJob } from './ecs/render';
import { renderEvsJob, renderSnapshot, renderVolume } from './evs/render';
import { FaultBook } from './faults';
import { renderImage } from './ims/render';
import { type Clock, realClock } from './model/clock';
import { patchServer, patchVolume } from './model/patch';
import { Rng } from './model/rng';
import { AdminError } from './model/rule-error';
import { seedWorld } from './model/seed';
import { World, type WorldAccount } from './model/world';
import { Oracle } from './oracle';
import {
  type AdvanceRequest,
  type ConfigPatch,
  type FaultKind,
  type FaultRule,
  type OracleReport,
  type PatchSpec,
  type PendingTransition,
  type SeedResult,
  type SeedSpec,
  type SimAccount,
  type SimConfig,
  type SimDialect,
  type SimEvent,
  type SimHandle,
  type SimImageView,
  type SimState,
  type StoredFault,
  TRANSITION_KINDS,
} from './types';

export const DEFAULT_ACCOUNT: SimAccount = {
  userName: 'demo',
  password: 'demo-password',
  userDomainName: 'OTC-DEMO',
  projectName: 'eu-de_demo',
  projectId: '0391e4486e864c26be5654c522f440f2',
  region: 'eu-de',
  // Shaped like IAM's keys: a 20-character AK, a 40-character SK.
  accessKey: 'SIMDEMOAKK8Q2ZP4XW7N',
  secretKey: 'simDemoSK4vT9qLm2Rx7Wc5Np8Hj3Bf6Kd1Zs0Ye',
};

/** The openstack dialect's account defaults: devstack's names (the ids and keys stay the OTC account's). */
export const OPENSTACK_ACCOUNT_DEFAULTS: Partial<SimAccount> = { userDomainName: 'Default', projectName: 'demo', region: 'RegionOne' };

export interface SimOptions {
  /** Default `otc`; `openstack` serves a vanilla catalog (types.ts SimDialect). */
  dialect?: SimDialect;
  account?: Partial<SimAccount>;
  config?: ConfigPatch;
  /** Seeds ids and fault probabilities; without it every run differs. */
  seed?: number;
  clock?: Clock;
}

const hash32 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);
// A separate stream for fault draws, so creating an id never changes which request a fault hits.
const faultRng = (seed: number) => new Rng((seed ^ 0x9e3779b9) >>> 0);

export class Sim implements SimHandle {
  readonly world: World;
  readonly faultBook: FaultBook;
  readonly oracleBook: Oracle;
  readonly dialect: SimDialect;
  private readonly baseConfig: SimConfig;

  constructor(private readonly o: SimOptions = {}) {
    this.dialect = o.dialect ?? 'otc';
    const account = { ...DEFAULT_ACCOUNT, ...(this.dialect === 'openstack' ? OPENSTACK_ACCOUNT_DEFAULTS : {}), ...o.account };
    const full: WorldAccount = {
      ...account,
      userId: hash32(`user:${account.userName}`),
      domainId: hash32(`domain:${account.userDomainName}`),
    };
    this.baseConfig = mergeConfig(DEFAULT_CONFIG, o.config);
    const rng = new Rng(o.seed);
    this.world = new World(o.clock ?? realClock, rng, mergeConfig(this.baseConfig, undefined), full);
    this.faultBook = new FaultBook(faultRng(rng.seed));
    this.oracleBook = new Oracle(this.world);
  }

  get account(): WorldAccount {
    return this.world.account;
  }

  reset(o: { seed?: number } = {}): void {
    this.world.clear();
    this.world.config = mergeConfig(this.baseConfig, undefined);
    this.world.rng = new Rng(o.seed ?? this.o.seed);
    this.faultBook.reset(faultRng(this.world.rng.seed));
    this.oracleBook.reset();
  }

  seed(spec: SeedSpec): SeedResult {
    if (typeof spec !== 'object' || spec === null) throw new AdminError('seed spec must be an object');
    const r = seedWorld(this.world, spec);
    this.oracleBook.snapshot(r.servers.map((s) => s.id));
    return r;
  }

  patchServer(id: string, patch: PatchSpec): Record<string, unknown> {
    return renderServer(this.world, patchServer(this.world, id, patch));
  }

  patchVolume(id: string, patch: PatchSpec): Record<string, unknown> {
    return renderVolume(this.world, patchVolume(this.world, id, patch));
  }

  state(base = ''): SimState {
    const w = this.world;
    return {
      volumes: [...w.volumes.values()].map((v) => ({ ...renderVolume(w, v, base), locked: v.locked })),
      servers: [...w.servers.values()].map((s) => renderServer(w, s)),
      images: [...w.images.values()].map((i) => ({
        ...(renderImage(i) as SimImageView),
        members: i.members.map((m) => ({ member_id: m.memberId, status: m.status })),
      })),
      jobs: [...w.jobs.values()].map((j) => renderJob(w, j)),
      snapshots: [...w.snapshots.values()].map((x) => renderSnapshot(w, x, 'detail')),
      evsJobs: [...w.evsJobs.values()].map((j) => renderEvsJob(w, j)),
      pending: w.engine.list(),
    };
  }

  config(): SimConfig {
    return mergeConfig(this.world.config, undefined);
  }

  setConfig(patch: ConfigPatch): SimConfig {
    this.world.config = mergeConfig(this.world.config, patch);
    return this.config();
  }

  advance(req: AdvanceRequest): PendingTransition {
    if (typeof req !== 'object' || req === null || !TRANSITION_KINDS.includes(req.kind) || typeof req.id !== 'string') {
      throw new AdminError(`advance needs {kind: ${TRANSITION_KINDS.join('|')}, id}`);
    }
    const { engine } = this.world;
    // An upload may be named by its image too.
    const id = req.kind === 'upload' && !engine.has('upload', req.id) ? (this.world.images.get(req.id)?.volumeId ?? req.id) : req.id;
    const done = engine.advance(req.kind, id);
    if (!done) throw new AdminError(`no pending ${req.kind} transition for ${req.id}`, 404);
    this.world.events.emit('admin.advance', { kind: req.kind, id });
    return done;
  }

  addFault(rule: FaultRule): { id: string } {
    return this.faultBook.add(rule);
  }

  faults(): StoredFault[] {
    return this.faultBook.list();
  }

  removeFault(id: string): boolean {
    return this.faultBook.remove(id);
  }

  clearFaults(): void {
    this.faultBook.clear();
  }

  oracle(): OracleReport {
    return this.oracleBook.report();
  }

  rebaseline(): void {
    this.oracleBook.resetBaseline();
  }

  events(since = 0): SimEvent[] {
    return this.world.events.since(since);
  }

  tokens(): string[] {
    return [...this.world.tokens.keys()];
  }

  /** Takes a fault for an effect (job-fail, upload-fail, create-fail) and records that it fired. */
  takeFault(op: string, targets: string[], kinds: readonly FaultKind[]): StoredFault | undefined {
    const f = this.faultBook.take(op, targets, kinds);
    if (f) this.world.events.emit('fault.applied', { faultId: f.id, op, kind: f.kind, targets });
    return f;
  }
}
