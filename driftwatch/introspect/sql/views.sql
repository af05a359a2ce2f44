select n.nspname as schema,
       c.relname as name,
       c.relkind as relkind,
       pg_get_viewdef(c.oid, true) as definition,
       pg_get_userbyid(c.relowner) as owner,
       coalesce(c.reloptions, '{}') as options,
       c.relispopulated as populated,
       (select d.description from pg_description d
        where d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0) as comment
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm')
  and n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')
order by 1, 2
