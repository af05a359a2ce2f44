-- pgrst.db_schemas as PostgREST reads it: a setting of the authenticator role (for this
-- database, then for all), of this database, or of the session; the first one found.
select s.setting
from (
  select 1 as rank, d.setdatabase <> 0 as specific, substr(c, 18) as setting
  from pg_catalog.pg_db_role_setting d
  join pg_catalog.pg_roles r on r.oid = d.setrole
  cross join lateral unnest(d.setconfig) as c
  where r.rolname = 'authenticator'
    and d.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
    and c like 'pgrst.db\_schemas=%'
  union all
  select 2, true, substr(c, 18)
  from pg_catalog.pg_db_role_setting d
  cross join lateral unnest(d.setconfig) as c
  where d.setrole = 0
    and d.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())
    and c like 'pgrst.db\_schemas=%'
  union all
  select 3, true, current_setting('pgrst.db_schemas', true)
  where coalesce(current_setting('pgrst.db_schemas', true), '') <> ''
) as s
order by s.rank, s.specific desc
limit 1
