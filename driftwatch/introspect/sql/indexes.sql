-- Indexes of tables and materialized views. pg_get_indexdef is called only for indexes the
-- client cannot spell exactly from the catalog (expression keys, storage parameters,
-- opclass options, NULLS NOT DISTINCT, partitioned parents here; non-default operator
-- classes, collations or orderings through introspect/exprs.py); the rest are written by
-- introspect/definitions.py, and partial-index predicates are deparsed once per distinct
-- tree (introspect/exprs.py).
-- No ORDER BY: rows stream as they are produced (see columns.sql).
select n.nspname as schema,
       c.relname as relation,
       i.relname as name,
       -- The client writes the definition when the shape is plain and every key column
       -- has its type's default operator class, its own collation and default ordering
       -- (checked from the arrays below and the columns query's rows).
       case when x.indexprs is null
             and i.relkind = 'i'
             and i.reloptions is null
             and not x.indnullsnotdistinct  -- pg15+
             and not exists (
               select 1 from pg_attribute ia
               where ia.attrelid = x.indexrelid and ia.attoptions is not null)
            then null
            else pg_get_indexdef(x.indexrelid)
       end as definition,
       x.indexrelid as ref,
       x.indpred::text as tree,
       x.indkey::int2[] as indkey,
       x.indclass::oid[] as indclass,
       x.indcollation::oid[] as indcollation,
       x.indoption::int2[] as indoption,
       x.indnkeyatts as nkeyatts,
       -- Expression keys (attnum 0) need the deparser; plain keys are named by the client.
       case when x.indexprs is not null then array(
         select case when k.attnum <> 0 then quote_ident(a.attname)
                     else pg_get_indexdef(x.indexrelid, k.ord::int, true) end
         from unnest(x.indkey::int2[]) with ordinality k(attnum, ord)
         left join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
         where k.ord <= x.indnkeyatts
         order by k.ord)
       end as expression_columns,
       x.indisunique as is_unique,
       x.indisprimary as is_primary,
       am.amname as method,
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
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
