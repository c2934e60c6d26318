#!/usr/bin/env bash
# Runs once, when the PostgreSQL data volume is initialised: one role and database for tokku, one role for
# Temporal (its schema job, infra/temporal/setup-schema.sh, creates the databases `temporal` and
# `temporal_visibility` itself).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set=tokku_user="$TOKKU_DB_USER" --set=tokku_password="$TOKKU_DB_PASSWORD" --set=tokku_db="$TOKKU_DB_NAME" \
  --set=temporal_user="$TEMPORAL_DB_USER" --set=temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE :"tokku_user" LOGIN PASSWORD :'tokku_password';
CREATE DATABASE :"tokku_db" OWNER :"tokku_user" ENCODING 'UTF8';
REVOKE ALL ON DATABASE :"tokku_db" FROM PUBLIC;
CREATE ROLE :"temporal_user" LOGIN CREATEDB PASSWORD :'temporal_password';
SQL
