// The pinned versions, read from docker-compose.yml so the containers and the container-less cluster run the
// same Temporal server and Web UI: the image tags' defaults (`${TEMPORAL_VERSION:-1.29.1}`) are the one place.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { COMPOSE_FILE } from './paths';

export interface Pins {
  /** go.temporal.io/server version without the `v`, e.g. 1.29.1 (server and SQL tool). */
  server: string;
  /** github.com/temporalio/ui-server/v2 version without the `v`. */
  ui: string;
}

function imageDefault(services: Record<string, { image?: string }>, service: string, variable: string): string {
  const image = services[service]?.image ?? '';
  const m = new RegExp(`:\\$\\{${variable}:-([^}]+)\\}$`).exec(image);
  if (!m) throw new Error(`docker-compose.yml: service ${service} should use image <name>:\${${variable}:-<version>}, found "${image}"`);
  return m[1];
}

export function readPins(file = COMPOSE_FILE): Pins {
  const services = (parse(readFileSync(file, 'utf8')) as { services: Record<string, { image?: string }> }).services;
  const server = imageDefault(services, 'temporal', 'TEMPORAL_VERSION');
  // admin-tools tags of 1.29 carry the bundled CLIs' versions (1.29.1-tctl-1.18.4-cli-1.5.0): the server's comes first.
  for (const svc of ['temporal-schema', 'temporal-init']) {
    const tools = imageDefault(services, svc, 'TEMPORAL_ADMINTOOLS_VERSION');
    if (tools !== server && !tools.startsWith(`${server}-`))
      throw new Error(`docker-compose.yml: admin-tools ${tools} (service ${svc}) does not match server ${server}`);
  }
  return { server, ui: imageDefault(services, 'temporal-ui', 'TEMPORAL_UI_VERSION') };
}
