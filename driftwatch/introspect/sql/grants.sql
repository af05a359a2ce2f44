-- Object privileges per grantee, with PostgreSQL's defaults made explicit (acldefault):
-- a function nobody revoked is executable by PUBLIC, and the snapshot says so.
-- The owner's own implicit privileges are left out.
-- No ORDER BY: rows stream as they are produced (see columns.sql).
select 'relation' as kind, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as key,
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end as grantee,
       x.privilege_type as privilege, x.is_grantable as grantable
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
cross join lateral aclexplode(coalesce(
  c.relacl, acldefault(case when c.relkind = 'S' then 's' else 'r' end::"char", c.relowner))) x
where c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
  and n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
  and x.grantee <> c.relowner
union all
select 'function',
       quote_ident(n.nspname) || '.' || quote_ident(p.proname)
       || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       x.privilege_type, x.is_grantable
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x
where n.nspname = any(%(schemas)s::text[])
  and x.grantee <> p.proowner
  and not exists (
    select 1 from pg_depend i
    where i.classid = 'pg_proc'::regclass and i.objid = p.oid
      and i.refclassid = 'pg_type'::regclass and i.deptype = 'i')
union all
select 'schema', n.nspname,
       case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee)::text end,
       x.privilege_type, x.is_grantable
from pg_namespace n
cross join lateral aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x
where n.nspname = any(%(schemas)s::text[])
  and x.grantee <> n.nspowner
