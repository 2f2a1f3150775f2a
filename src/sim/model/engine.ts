// Timed transitions (stop, start, upload, image activation/expiry). Each runs after its configured duration
// on the injected clock, or, when the duration is `null`, waits for `/__sim/advance` (moto's ManagedState idea).
import type { PendingTransition } from '../types';
import type { Clock, TimerHandle } from './clock';

/** Public kinds plus internal ones (e.g. `image-saving`) that cannot be advanced by hand. */
export type EngineKind = PendingTransition['kind'] | 'image-saving';

interface Pending {
  kind: EngineKind;
  id: string;
  since: number;
  dueAt: number | null;
  run: () => void;
  timer?: TimerHandle;
}

export class Engine {
  private pending = new Map<string, Pending>();

  constructor(private readonly clock: Clock) {}

  /** Replaces any transition already pending for (kind, id). */
  schedule(kind: EngineKind, id: string, ms: number | null, run: () => void): void {
    this.cancel(kind, id);
    const key = `${kind}:${id}`;
    const p: Pending = { kind, id, since: this.clock.now(), dueAt: ms === null ? null : this.clock.now() + ms, run };
    if (ms !== null) {
      p.timer = this.clock.setTimer(ms, () => {
        if (this.pending.get(key) !== p) return;
        this.pending.delete(key);
        run();
      });
    }
    this.pending.set(key, p);
  }

  has(kind: EngineKind, id: string): boolean {
    return this.pending.has(`${kind}:${id}`);
  }

  /** Runs a pending transition now, manual or timed. Returns what ran, or undefined when nothing was pending. */
  advance(kind: EngineKind, id: string): PendingTransition | undefined {
    const p = this.pending.get(`${kind}:${id}`);
    if (!p) return undefined;
    this.pending.delete(`${kind}:${id}`);
    p.timer?.cancel();
    p.run();
    return this.view(p);
  }

  cancel(kind: EngineKind, id: string): boolean {
    const p = this.pending.get(`${kind}:${id}`);
    if (!p) return false;
    p.timer?.cancel();
    this.pending.delete(`${kind}:${id}`);
    return true;
  }

  list(): PendingTransition[] {
    return [...this.pending.values()].filter((p) => p.kind !== 'image-saving').map((p) => this.view(p));
  }

  /** Cancels everything (reset, shutdown). */
  clear(): void {
    for (const p of this.pending.values()) p.timer?.cancel();
    this.pending.clear();
  }

  private view(p: Pending): PendingTransition {
    return {
      kind: p.kind as PendingTransition['kind'],
      id: p.id,
      since: new Date(p.since).toISOString(),
      dueAt: p.dueAt === null ? null : new Date(p.dueAt).toISOString(),
    };
  }
}
