#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to the version shipped in this
# admin-tools image. Runs in temporalio/admin-tools (docker-compose.yml, service temporal-schema).
#
# The temporal-sql-tool steps are the ones of temporalio/samples-server compose/scripts/setup-postgres.sh.
# Safe to re-run on every `docker compose up` (checked against temporalio/temporal v1.29.1): `create` ignores
# an existing database, `setup-schema -v 0.0` without a schema file only adds the version tables if missing,
# and `update-schema` applies only the versions not applied yet.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required (temporal-sql-tool reads the password from it)}"
PORT=${DB_PORT:-5432}
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

echo "schema: waiting for ${POSTGRES_SEEDS}:${PORT}"
attempt=1
until nc -z -w 10 "$POSTGRES_SEEDS" "$PORT"; do
  if [ "$attempt" -ge 30 ]; then
    echo "schema: ${POSTGRES_SEEDS}:${PORT} not reachable after $attempt attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" "$@"
}

# setup <database> <schema folder>: the database names are the server's defaults (DBNAME, VISIBILITY_DBNAME).
setup() {
  echo "schema: database $1"
  sql_tool --db "$1" create
  sql_tool --db "$1" setup-schema -v 0.0
  sql_tool --db "$1" update-schema -d "$SCHEMA_DIR/$2/versioned"
}

setup temporal temporal
setup temporal_visibility visibility
echo "schema: done"
