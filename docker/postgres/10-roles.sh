#!/bin/sh
# The database roles (README, "Roles and row-level security"). The postgres image runs this once,
# when it creates the database volume; for a volume created before, run it by hand:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-roles.sh
#
# * POSTGRES_USER (erp) owns the database and the tables: only `migrate` connects as it.
# * erp_app is what the web app, the worker and beat connect as: it may read and write rows,
#   and nothing more (no DDL, no TRUNCATE, not the tables' owner, no superuser, no BYPASSRLS), so
#   row-level security binds it. The privileges also cover the tables migrate creates later.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner="$POSTGRES_USER" -v app_password="$ERP_APP_PASSWORD" <<'SQL'
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'erp_app') AS create_app_role \gset
\if :create_app_role
CREATE ROLE erp_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
\endif
ALTER ROLE erp_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO erp_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO erp_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO erp_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO erp_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO erp_app;
SQL
