-- Table constraints (PK, FK, unique, check, exclusion). PostgreSQL 18 also stores NOT NULL
-- as constraints (contype 'n'): nullability is reported on the column on every version.
select n.nspname as schema,
       c.relname as relation,
       con.conname as name,
       con.contype as contype,
       pg_get_constraintdef(con.oid) as definition,
       array(
         select a.attname::text
         from unnest(con.conkey) with ordinality k(attnum, ord)
         join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
         order by k.ord
       ) as columns,
       case when con.contype = 'f' then fn.nspname || '.' || fc.relname end as ref_table,
       array(
         select a.attname::text
         from unnest(con.confkey) with ordinality k(attnum, ord)
         join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
         order by k.ord
       ) as ref_columns,
       con.confupdtype as on_update,
       con.confdeltype as on_delete,
       con.confmatchtype as match,
       con.condeferrable as deferrable,
       con.condeferred as deferred,
       con.convalidated as validated,
       (not con.conislocal or con.conparentid <> 0) as inherited
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_class fc on fc.oid = con.confrelid
left join pg_namespace fn on fn.oid = fc.relnamespace
where con.contype in ('p', 'f', 'u', 'c', 'x')
  and c.relkind in ('r', 'p', 'f')
  and n.nspname = any(%(schemas)s::text[])
order by 1, 2, 3
