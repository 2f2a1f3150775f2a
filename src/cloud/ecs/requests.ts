// ECS batch stop/start bodies (§4.3): `{"os-stop":{"type","servers":[{"id"}]}}`, `{"os-start":{"servers":[…]}}`.
// `type` is sent explicitly (SOFT is the default, HARD forces power-off).

import { STOP_TYPES, type StopType } from '../../formats';

/** ECS accepts at most 1,000 servers per minute in batch operations (§4.3); one request never needs more. */
const MAX_BATCH = 1000;

function servers(ids: string[], what: string): { id: string }[] {
  if (!Array.isArray(ids) || ids.length === 0) throw new TypeError(`${what}: at least one server id is required`);
  if (ids.length > MAX_BATCH) throw new TypeError(`${what}: at most ${MAX_BATCH} servers per request`);
  for (const id of ids) if (typeof id !== 'string' || id === '') throw new TypeError(`${what}: server ids must be non-empty strings`);
  return [...new Set(ids)].map((id) => ({ id }));
}

export function toStopBody(ids: string[], type: StopType) {
  if (!STOP_TYPES.includes(type))
    throw new TypeError(`stopServers: type must be one of ${STOP_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  return { 'os-stop': { type, servers: servers(ids, 'stopServers') } };
}

export function toStartBody(ids: string[]) {
  return { 'os-start': { servers: servers(ids, 'startServers') } };
}
