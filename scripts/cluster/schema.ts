// Creates Temporal's two databases and brings their schemas to the pinned server's version with its SQL tool —
// the steps of deploy/temporal/scripts/setup-postgres.sh (compose's temporal-schema job). Safe on every start:
// `create` ignores an existing database, `setup-schema -v 0.0` only adds missing version tables and
// `update-schema` applies only the versions not applied yet.
import { join } from 'node:path';
import { run } from './exec';
import { SQL_BIN } from './paths';
import { PG_PASSWORD, PG_USER } from './postgres';

export const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;

export async function setupSchemas(pgPort: number, schemaDir: string): Promise<void> {
  // The tool reads the password from SQL_PASSWORD, which keeps it off the command line.
  const env = { ...process.env, SQL_PASSWORD: PG_PASSWORD };
  const sql = (db: string, ...args: string[]) =>
    run(SQL_BIN, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pgPort), '-u', PG_USER, '--db', db, ...args], { env });
  for (const [folder, db] of Object.entries(DATABASES)) {
    await sql(db, 'create');
    await sql(db, 'setup-schema', '-v', '0.0');
    await sql(db, 'update-schema', '-d', join(schemaDir, folder, 'versioned'));
  }
}
