#!/bin/sh
# One-shot job (Compose service `temporal-schema`, image temporalio/admin-tools of the server's version): creates
# Temporal's two databases if they are missing and brings both schemas, the default store and the visibility
# store, up to the version this admin-tools release ships. The server starts only after this exits 0. Safe to
# run on every start: `create-database` and `setup-schema -v 0.0` skip what exists, `update-schema` applies only
# the versions not applied yet. The connection comes from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu
: "${SQL_HOST:?set SQL_HOST}" "${SQL_USER:?set SQL_USER}" "${SQL_PASSWORD:?set SQL_PASSWORD}"
export SQL_PLUGIN="${SQL_PLUGIN:-postgres12}" SQL_PORT="${SQL_PORT:-5432}"
schemas=/etc/temporal/schema/postgresql/v12

setup() {  # setup DATABASE STORE: STORE is `temporal` (default store) or `visibility`
  echo "schema of database $1 ($2 store)"
  temporal-sql-tool --db "$1" create-database
  temporal-sql-tool --db "$1" setup-schema -v 0.0
  temporal-sql-tool --db "$1" update-schema -d "$schemas/$2/versioned"
}

setup "${TEMPORAL_DB_NAME:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}" visibility
echo "Temporal schemas up to date"
