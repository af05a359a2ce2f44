-- Stand-alone composite types (CREATE TYPE ... AS (...)); the row types of tables and
-- views are their relations. Collations spelled as on columns (pg_catalog ones bare).
select 'composite_types' as kind,
       quote_ident(n.nspname) || '.' || quote_ident(t.typname) as key,
       null::text as rel,
       json_build_object(
         'attributes', coalesce((
           select json_object_agg(a.attname, json_build_object(
                    'position', a.pos,
                    'type', a.type,
                    'collation', a.collation) order by a.attname)
           from (
             select a.attname, row_number() over (order by a.attnum) as pos,
                    format_type(a.atttypid, a.atttypmod) as type,
                    case when a.attcollation <> 0 and a.attcollation <> at.typcollation then
                      case when cn.nspname = 'pg_catalog' then quote_ident(co.collname)
                           else quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end
                    end as collation
             from pg_attribute a
             join pg_type at on at.oid = a.atttypid
             left join pg_collation co on co.oid = a.attcollation
             left join pg_namespace cn on cn.oid = co.collnamespace
             where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped) a), '{}'),
         'owner', pg_get_userbyid(t.typowner),
         'comment', (select d.description from pg_description d
                     where d.objoid = t.oid and d.classoid = 'pg_type'::regclass
                       and d.objsubid = 0)) as data
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
join pg_class c on c.oid = t.typrelid
where t.typtype = 'c' and c.relkind = 'c'
  and n.nspname = any(%(schemas)s::text[])
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_type'::regclass and e.objid = t.oid and e.deptype = 'e')
