// Nova's per-server power actions (cloud-api.md §4.5): `{"os-stop": null}`, `{"os-start": null}` — the body's key
// names the action and its value is not read (gophercloud and openstacksdk send null). Vanilla Nova has no forced
// stop: a soft stop powers the guest off after `shutdown_timeout`.

export type NovaAction = 'os-stop' | 'os-start';

/** The servers of one request, each once; the same rules as the ECS batch (ecs/requests.ts). */
export function serverIds(ids: string[], what: string): string[] {
  if (!Array.isArray(ids) || ids.length === 0) throw new TypeError(`${what}: at least one server id is required`);
  for (const id of ids) if (typeof id !== 'string' || id === '') throw new TypeError(`${what}: server ids must be non-empty strings`);
  return [...new Set(ids)];
}

export function toActionBody(action: NovaAction): Record<NovaAction, null> {
  return { [action]: null } as Record<NovaAction, null>;
}
