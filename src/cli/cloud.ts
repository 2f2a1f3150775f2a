// The CLI's own view of the cloud — the OS_* / clouds.yaml settings `inspect` uses — for what it can check or
// name before a run starts. Without cloud settings the CLI checks nothing: the run's plan refuses a bad id
// before touching anything, so the check only makes the answer come sooner and name the flag.
import { CloudConfigError, type CloudApi, createCloudClient, isStatus, loadCloudConfig } from '../cloud';
import { ExitError } from './exit-error';

/** Cloud settings are given (a cloud name, an auth URL or an access key): the CLI uses them. */
function cloudConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['OS_CLOUD', 'OS_AUTH_URL', 'OS_ACCESS_KEY'].some((k) => !!env[k]);
}

/** Runs `fn` with a cloud client from the CLI's settings; `undefined` (fn not run) when there are none. */
export async function withOptionalCloud<T>(fn: (cloud: CloudApi) => Promise<T>): Promise<T | undefined> {
  if (!cloudConfigured()) return undefined;
  // A person is waiting: fewer and shorter retries than the worker's.
  const cloud = createCloudClient(loadCloudConfig(), { timeoutMs: 10_000, retry: { transientRetries: 1, throttleRetries: 2 } });
  try {
    return await fn(cloud);
  } finally {
    await cloud.close();
  }
}

export interface Existence {
  flag: string;
  id: string;
  /** "disk", "server". */
  noun: string;
  read(cloud: CloudApi, id: string): Promise<unknown>;
}

export const volumeExists = (id: string): Existence => ({ flag: '--volume', id, noun: 'disk', read: (c, v) => c.evs.getVolume(v) });
export const serverExists = (id: string): Existence => ({ flag: '--server', id, noun: 'server', read: (c, s) => c.ecs.getServer(s) });

/** The one line that refuses an id the cloud does not know. */
export function unknownIdText(e: Pick<Existence, 'flag' | 'id' | 'noun'>): string {
  return `${e.flag}: no ${e.noun} ${JSON.stringify(e.id)} in this project`;
}

/**
 * Refuses (exit 2, naming the flag and the value) an id the cloud says does not exist. Without cloud settings
 * nothing is checked; a cloud that cannot answer is said in one line and the run starts (its plan decides).
 */
export async function refuseUnknown(e: Existence): Promise<void> {
  try {
    await withOptionalCloud((cloud) => e.read(cloud, e.id));
  } catch (err) {
    if (isStatus(err, 404)) throw new ExitError(`${unknownIdText(e)}; nothing was started`, 2);
    const why = err instanceof CloudConfigError ? `cloud settings: ${err.message}` : err instanceof Error ? err.message : String(err);
    console.error(`evs-export: could not check ${e.flag} ${JSON.stringify(e.id)} with the cloud (${why}); starting anyway`);
  }
}

/** Server names by id, from the cloud when the CLI has settings; empty when it has none or the cloud fails. */
export async function serverNamesFromCloud(): Promise<Map<string, string>> {
  try {
    const servers = (await withOptionalCloud((cloud) => cloud.ecs.listServers())) ?? [];
    return new Map(servers.map((s) => [s.id, s.name]));
  } catch {
    return new Map();
  }
}
