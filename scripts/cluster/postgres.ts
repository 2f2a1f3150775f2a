// PostgreSQL as the cluster's own database server: a data directory under `<dataDir>/pg` (initdb when missing),
// listening on 127.0.0.1 only, on its own port, with password authentication. Installed with apt-get where
// missing. PostgreSQL refuses to run as root, so under root its commands run as the `postgres` user.
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { run, type RunOptions } from './exec';

export const PG_USER = 'temporal';
// A local, loopback-only database: the password is the one docker-compose.yml defaults to, not a secret.
export const PG_PASSWORD = 'temporal';

export interface Postgres {
  bin: string;
  /** uid/gid to run as (root only). */
  as: Pick<RunOptions, 'uid' | 'gid'>;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return dir;
  return undefined;
}

/** Debian installs the server under /usr/lib/postgresql/<major>/bin, off PATH; the newest major wins. */
function findBinDir(): string | undefined {
  const dir = onPath('pg_ctl');
  if (dir && existsSync(join(dir, 'initdb'))) return dir;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(base, majors[0], 'bin') : undefined;
}

async function aptInstall(log: (s: string) => void): Promise<void> {
  if (process.getuid?.() !== 0 || !onPath('apt-get'))
    throw new Error(
      'PostgreSQL is not installed and cannot be installed from here (needs root and apt-get): install the `postgresql` package',
    );
  log('installing PostgreSQL (apt-get install postgresql) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { env });
  await run('apt-get', ['install', '-y', '-qq', 'postgresql'], { env });
}

async function idOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function findPostgres(log: (s: string) => void): Promise<Postgres> {
  let bin = findBinDir();
  if (!bin) {
    await aptInstall(log);
    bin = findBinDir();
    if (!bin) throw new Error('PostgreSQL was installed but pg_ctl/initdb were not found under /usr/lib/postgresql');
  }
  if (process.getuid?.() !== 0) return { bin, as: {} };
  const as = await idOf('postgres').catch(() => {
    throw new Error('running as root, and there is no `postgres` user to run PostgreSQL as (it refuses root)');
  });
  return { bin, as };
}

function own(pg: Postgres, path: string): void {
  if (pg.as.uid !== undefined) chownSync(path, pg.as.uid, pg.as.gid!);
}

/** initdb when `dataDir` holds no cluster yet; the superuser is PG_USER with PG_PASSWORD. */
export async function initIfMissing(pg: Postgres, dataDir: string, log: (s: string) => void): Promise<boolean> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return false;
  log(`initdb ${dataDir}`);
  mkdirSync(dataDir, { recursive: true });
  own(pg, dataDir);
  chmodSync(dataDir, 0o700);
  const tmp = mkdtempSync(join(tmpdir(), 'evs-cluster-pg-'));
  try {
    own(pg, tmp);
    const pwfile = join(tmp, 'pw');
    writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o600 });
    own(pg, pwfile);
    const args = ['-D', dataDir, '-U', PG_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--no-locale', '--encoding=UTF8'];
    await run(join(pg.bin, 'initdb'), args, { ...pg.as, cwd: tmp });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return true;
}

async function running(pg: Postgres, dataDir: string): Promise<boolean> {
  return run(join(pg.bin, 'pg_ctl'), ['status', '-D', dataDir], { ...pg.as, cwd: dataDir }).then(
    () => true,
    () => false,
  );
}

/** Starts the server (stopping one left running on this data directory first) and returns the postmaster's pid. */
export async function startPostgres(pg: Postgres, dataDir: string, port: number, logFile: string): Promise<number> {
  if (await running(pg, dataDir)) await stopPostgres(pg, dataDir);
  closeSync(openSync(logFile, 'a'));
  own(pg, logFile);
  // TCP on loopback only, no unix socket (its default directory may not exist or be writable here).
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  await run(join(pg.bin, 'pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '120', '-o', opts], { ...pg.as, cwd: dataDir });
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

export async function stopPostgres(pg: Postgres, dataDir: string): Promise<void> {
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  await run(join(pg.bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], { ...pg.as, cwd: dataDir });
}
