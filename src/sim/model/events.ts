// The sim's event log: every state change, API call and fault, with a sequence number so tests can wait for a
// phase (`GET /__sim/events?since=`) and the oracle can react to changes the moment they happen.
import type { SimEvent, SimEventType } from '../types';
import type { Clock } from './clock';

type Listener = (e: SimEvent) => void;

// Long benchmark runs must not grow without bound; the oldest events go first.
const MAX_EVENTS = 200_000;

export class EventLog {
  private seq = 0;
  private log: SimEvent[] = [];
  private listeners: Listener[] = [];

  constructor(private readonly clock: Clock) {}

  emit(type: SimEventType, details: Record<string, unknown> = {}): SimEvent {
    const e: SimEvent = { ...details, seq: ++this.seq, at: new Date(this.clock.now()).toISOString(), type };
    this.log.push(e);
    if (this.log.length > MAX_EVENTS) this.log.splice(0, this.log.length - MAX_EVENTS);
    for (const l of this.listeners) l(e);
    return e;
  }

  on(l: Listener): void {
    this.listeners.push(l);
  }

  since(seq = 0): SimEvent[] {
    return this.log.filter((e) => e.seq > seq);
  }

  clear(): void {
    this.log = [];
  }
}
