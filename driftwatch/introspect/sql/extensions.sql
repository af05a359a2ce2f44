-- members: the relations and functions of the snapshotted schemas the extension owns
-- (pg_depend deptype 'e'), keyed as the snapshot keys them.
select e.extname as name, e.extversion as version, n.nspname as schema,
       array(
         select rn.nspname || '.' || c.relname
         from pg_depend d
         join pg_class c on c.oid = d.objid
         join pg_namespace rn on rn.oid = c.relnamespace
         where d.refclassid = 'pg_extension'::regclass and d.refobjid = e.oid and d.deptype = 'e'
           and d.classid = 'pg_class'::regclass and rn.nspname = any(%(schemas)s::text[])
         union all
         select fn.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
         from pg_depend d
         join pg_proc p on p.oid = d.objid
         join pg_namespace fn on fn.oid = p.pronamespace
         where d.refclassid = 'pg_extension'::regclass and d.refobjid = e.oid and d.deptype = 'e'
           and d.classid = 'pg_proc'::regclass and fn.nspname = any(%(schemas)s::text[])
         order by 1
       ) as members
from pg_extension e
join pg_namespace n on n.oid = e.extnamespace
order by 1
