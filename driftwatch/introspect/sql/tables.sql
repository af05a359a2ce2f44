-- Ordinary, partitioned and foreign tables; extension members are left out. No ORDER BY:
-- rows stream as they are produced (see columns.sql).
select n.nspname as schema,
       c.relname as name,
       c.relkind as relkind,
       pg_get_userbyid(c.relowner) as owner,
       c.relrowsecurity as rls_enabled,
       c.relforcerowsecurity as rls_forced,
       (select d.description from pg_description d
        where d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0) as comment,
       c.relispartition as is_partition,
       array(
         select quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
         from pg_inherits i
         join pg_class pc on pc.oid = i.inhparent
         join pg_namespace pn on pn.oid = pc.relnamespace
         where i.inhrelid = c.oid
         order by i.inhseqno
       ) as parents,
       case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as partition_bound,
       case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
       c.relpersistence as persistence,
       coalesce(c.reloptions, '{}') as options,
       case when c.reloftype <> 0 then (
         select quote_ident(tn.nspname) || '.' || quote_ident(t.typname)
         from pg_type t join pg_namespace tn on tn.oid = t.typnamespace
         where t.oid = c.reloftype)
       end as of_type,
       case when c.relkind = 'f' then (
         select json_build_object('server', s.srvname::text,
                                  'options', coalesce(ft.ftoptions, '{}'))
         from pg_foreign_table ft join pg_foreign_server s on s.oid = ft.ftserver
         where ft.ftrelid = c.oid)
       end as foreign_table
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'f')
  and n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')
