-- Enums (labels in enum order) and domains (with their CHECK constraints).
select n.nspname as schema,
       t.typname as name,
       t.typtype as typtype,
       pg_get_userbyid(t.typowner) as owner,
       (select d.description from pg_description d
        where d.objoid = t.oid and d.classoid = 'pg_type'::regclass and d.objsubid = 0) as comment,
       array(select e.enumlabel::text from pg_enum e
             where e.enumtypid = t.oid order by e.enumsortorder) as labels,
       case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as base_type,
       not t.typnotnull as nullable,
       t.typdefault as default,
       case when t.typcollation <> 0 and t.typcollation <> bt.typcollation
            then case when cn.nspname = 'pg_catalog' then quote_ident(co.collname)
                      else quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end
       end as collation,
       (select json_object_agg(con.conname, pg_get_constraintdef(con.oid) order by con.conname)
        from pg_constraint con
        where con.contypid = t.oid and con.contype = 'c') as constraints
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
left join pg_type bt on bt.oid = t.typbasetype
left join pg_collation co on co.oid = t.typcollation
left join pg_namespace cn on cn.oid = co.collnamespace
where t.typtype in ('e', 'd')
  and n.nspname = any(%(schemas)s::text[])
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_type'::regclass and e.objid = t.oid and e.deptype = 'e')
order by 1, 2
