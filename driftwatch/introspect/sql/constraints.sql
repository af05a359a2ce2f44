-- Table constraints (PK, FK, unique, check, exclusion). PostgreSQL 18 also stores NOT NULL
-- as constraints (contype 'n'): nullability is reported on the column on every version.
--
-- Column numbers are named by the client from the columns query (same snapshot).
-- pg_get_constraintdef is called only where the definition cannot be spelled from the
-- catalog columns alone (exclusion constraints, FKs with SET NULL (cols) / PERIOD / NOT
-- ENFORCED, NULLS NOT DISTINCT, WITHOUT OVERLAPS): PRIMARY KEY, UNIQUE and FOREIGN KEY are
-- written by the client exactly as PostgreSQL prints them (introspect/definitions.py), and
-- CHECK expressions are deparsed once per distinct expression tree (introspect/exprs.py),
-- which spares the server a relation-cache build of every table.
-- No ORDER BY: rows stream as they are produced (see columns.sql).
select n.nspname as schema,
       c.relname as relation,
       con.conname as name,
       con.contype as contype,
       case
         when con.contype = 'c'
           and con.conenforced  -- pg18+
           then null
         when con.contype in ('p', 'u')
           and not coalesce(x.indnullsnotdistinct, false)  -- pg15+
           and not con.conperiod  -- pg18+
           then null
         when con.contype = 'f'
           and fn.nspname <> 'pg_catalog' and fn.nspname !~ '^pg_(toast_)?temp_'
           and con.confdelsetcols is null  -- pg15+
           and not con.conperiod and con.conenforced  -- pg18+
           then null
         else pg_get_constraintdef(con.oid)
       end as definition,
       con.oid as ref,
       case when con.contype = 'c' then con.conbin::text end as tree,
       concat_ws(' ', con.connoinherit, con.convalidated, con.condeferrable, con.condeferred
                 , con.conenforced  -- pg18+
                ) as flags,
       con.conkey::int2[] as conkey,
       case when con.contype in ('p', 'u') and x.indnatts > x.indnkeyatts then array(
         select a.attname::text
         from unnest(x.indkey::int2[]) with ordinality k(attnum, ord)
         join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
         where k.ord > x.indnkeyatts
         order by k.ord)
       end as include,
       fn.nspname as ref_schema,
       fc.relname as ref_relation,
       con.confkey::int2[] as confkey,
       -- Column names come from the columns query's rows; a referenced table outside the
       -- snapshot's schemas (auth.users, say) is not among them, nor one an incremental
       -- read does not re-read.
       case when con.contype = 'f'
                 and (not fn.nspname = any(%(schemas)s::text[])
                      or not con.confrelid = any(coalesce(%(oids)s::oid[], array[con.confrelid])))
            then array(
         select a.attname::text
         from unnest(con.confkey) with ordinality k(attnum, ord)
         join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
         order by k.ord)
       end as ref_columns,
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
left join pg_index x on x.indexrelid = con.conindid and con.contype in ('p', 'u')
left join pg_class fc on fc.oid = con.confrelid
left join pg_namespace fn on fn.oid = fc.relnamespace
where con.contype in ('p', 'f', 'u', 'c', 'x')
  and c.relkind in ('r', 'p', 'f')
  and n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
