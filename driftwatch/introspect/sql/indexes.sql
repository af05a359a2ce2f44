select n.nspname as schema,
       c.relname as relation,
       i.relname as name,
       pg_get_indexdef(x.indexrelid) as definition,
       -- Plain key columns by name; only expression keys (attnum 0) need the deparser.
       array(select case when k.attnum <> 0 then quote_ident(a.attname)
                         else pg_get_indexdef(x.indexrelid, k.ord::int, true) end
             from unnest(x.indkey::int2[]) with ordinality k(attnum, ord)
             left join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
             where k.ord <= x.indnkeyatts
             order by k.ord) as columns,
       array(select quote_ident(a.attname)
             from unnest(x.indkey::int2[]) with ordinality k(attnum, ord)
             join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
             where k.ord > x.indnkeyatts
             order by k.ord) as include,
       x.indisunique as is_unique,
       x.indisprimary as is_primary,
       am.amname as method,
       pg_get_expr(x.indpred, x.indrelid) as predicate,
       con.conname as constraint_name,
       x.indisvalid as valid
from pg_index x
join pg_class i on i.oid = x.indexrelid
join pg_class c on c.oid = x.indrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_am am on am.oid = i.relam
left join pg_constraint con
  on con.conindid = x.indexrelid and con.conrelid = x.indrelid and con.contype in ('p', 'u', 'x')
where c.relkind in ('r', 'p', 'm')
  and n.nspname = any(%(schemas)s::text[])
order by 1, 2, 3
