-- Non-system roles (pg_* left out): attributes, direct memberships, and the settings that
-- decide what the API exposes (pg_db_role_setting for this database or for all databases;
-- rows ordered so that a database-specific value comes last and wins). Only the settings
-- named here are read: others may hold secrets (Supabase keeps JWT keys in settings).
-- The row named PUBLIC is the database's own settings (ALTER DATABASE ... SET). ``pinned``:
-- the role has settings for this database, or a pgrst.* setting for all of them (PostgREST's
-- authenticator, as hosted Supabase sets it). Every role is read (roles are few); the
-- assembler keeps the pinned ones and those the snapshot's objects involve.
with names(name) as (
  values ('pgrst.db_schemas'), ('pgrst.db_anon_role'), ('pgrst.db_extra_search_path'),
         ('search_path'), ('row_security'), ('statement_timeout')
),
settings as (
  select s.setrole, s.setdatabase, c.ord, c.setting
  from pg_db_role_setting s
  cross join lateral unnest(s.setconfig) with ordinality as c(setting, ord)
  where s.setdatabase in (0, (select d.oid from pg_database d where d.datname = current_database()))
    and split_part(c.setting, '=', 1) in (select name from names)
)
select r.rolname::text as name, r.rolsuper as superuser, r.rolbypassrls as bypassrls,
       r.rolcanlogin as login, r.rolinherit as inherit,
       array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
             where m.member = r.oid order by 1) as member_of,
       array(select s.setting from settings s where s.setrole = r.oid
             order by s.setdatabase <> 0, s.ord) as settings,
       exists (select 1 from settings s where s.setrole = r.oid
               and (s.setdatabase <> 0 or s.setting like 'pgrst.%%')) as pinned
from pg_roles r
where r.rolname !~ '^pg_'
union all
select 'PUBLIC', false, false, false, false, '{}'::text[],
       array(select s.setting from settings s where s.setrole = 0 and s.setdatabase <> 0 order by s.ord),
       true
where exists (select 1 from settings s where s.setrole = 0 and s.setdatabase <> 0)
order by 1
