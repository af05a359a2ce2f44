-- driftwatch: a least-privilege login role for introspection.
--
-- driftwatch reads the system catalogs only (pg_class, pg_attribute, pg_policy, pg_proc, ...),
-- which every role that can connect may read. It needs:
--   * LOGIN and CONNECT on the database (and USAGE on nothing else);
-- It does NOT need: SELECT on any table, pg_read_all_settings, pg_read_all_data, superuser,
-- BYPASSRLS, or membership of the table owners. Every session is READ ONLY by default.
--
-- Run as a superuser (or a role with CREATEROLE) in each watched database:
--   psql -v ON_ERROR_STOP=1 -v dbname=nexus -v password="'…'" -f deploy/sql/driftwatch-role.sql
-- Then: DRIFTWATCH_DSN=postgresql://driftwatch:…@host:5432/nexus driftwatch snapshot
\if :{?password}
\else
  \echo 'set -v password="''the password''"'
  \quit
\endif
\if :{?dbname}
\else
  \set dbname :DBNAME
\endif

select not exists (select 1 from pg_roles where rolname = 'driftwatch') as create_role \gset
\if :create_role
  create role driftwatch login password :password
    nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls
    connection limit 5;
\else
  alter role driftwatch login password :password
    nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls
    connection limit 5;
\endif

-- Sessions are read-only and bounded even outside driftwatch's own settings.
alter role driftwatch set default_transaction_read_only = on;
alter role driftwatch set statement_timeout = '120s';
alter role driftwatch set lock_timeout = '2s';
alter role driftwatch set idle_in_transaction_session_timeout = '5min';

-- CONNECT on the watched database only. (PUBLIC usually has CONNECT already; revoke it
-- from PUBLIC yourself if you want an explicit allow-list.)
grant connect on database :"dbname" to driftwatch;

-- Nothing else: no SELECT/INSERT/UPDATE/DELETE/TRUNCATE on tables, no USAGE on sequences,
-- no EXECUTE beyond PUBLIC's defaults, no CREATE on schemas. Make that explicit in case
-- earlier grants (e.g. through default privileges) gave the role more.
revoke all on all tables in schema public from driftwatch;
revoke all on all sequences in schema public from driftwatch;
revoke create on schema public from driftwatch;
