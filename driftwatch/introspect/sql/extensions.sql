-- members: the relations of the snapshotted schemas the extension owns (pg_depend deptype
-- 'e', e.g. PostGIS's spatial_ref_sys), keyed as the snapshot would key them. They are not
-- user objects and the other queries leave them out; this names what was left out.
select e.extname as name, e.extversion as version, n.nspname as schema,
       array(
         select quote_ident(rn.nspname) || '.' || quote_ident(c.relname)
         from pg_depend d
         join pg_class c on c.oid = d.objid
         join pg_namespace rn on rn.oid = c.relnamespace
         where d.refclassid = 'pg_extension'::regclass and d.refobjid = e.oid and d.deptype = 'e'
           and d.classid = 'pg_class'::regclass and c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
           and rn.nspname = any(%(schemas)s::text[])
         order by 1
       ) as members
from pg_extension e
join pg_namespace n on n.oid = e.extnamespace
order by 1
