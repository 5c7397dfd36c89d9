-- The login role of postgres_exporter (charts/database-exporter.ts): pg_monitor and nothing else.
-- pg_monitor reads the statistics views (pg_stat_activity of every session, pg_stat_database,
-- locks, replication) and every user's pg_stat_statements rows; it grants no table data and no
-- write. Idempotent: run once per environment as the RDS master user, again to rotate the password.
--
--   MONITOR_PASSWORD=<database/monitor password> psql "host=<db_endpoint> dbname=flextime user=flextime_admin sslmode=verify-full sslrootcert=global-bundle.pem" \
--     -v monitor_user=flextime_monitor -f scripts/db/monitoring-role.sql
--
-- The password is read from the environment (\getenv, psql 15+) so it is not on the command line.
-- test/database-exporter.test.ts runs this file against a real PostgreSQL and scrapes the exporter
-- logged in as the role it creates.
\set ON_ERROR_STOP on
\getenv monitor_password MONITOR_PASSWORD
SELECT :'monitor_password' <> '' AS has_password \gset
\if :has_password
\else
  \echo 'MONITOR_PASSWORD is empty: set it to the database/monitor secret of the environment'
  \quit 2
\endif

SELECT format('CREATE ROLE %I', :'monitor_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'monitor_user') \gexec
-- INHERIT: the role uses pg_monitor's rights without SET ROLE. Three connections at most (the
-- exporter holds one), and no statement of its runs long enough to matter.
ALTER ROLE :"monitor_user" WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 3;
-- The credential comes only from $MONITOR_PASSWORD (above); quoted by format(%L), never in this file.
SELECT format('ALTER ROLE %I PASSWORD %L', :'monitor_user', :'monitor_password') \gexec
ALTER ROLE :"monitor_user" SET statement_timeout = '10s';
GRANT pg_monitor TO :"monitor_user";

-- Query statistics for the Database dashboard; the parameter group preloads the library
-- (terraform-bootstrap/environment/rds.tf), the extension exposes the view in this database.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
