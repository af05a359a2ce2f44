-- Columns of tables, views and materialized views. The client numbers them (position is
-- the dense ordinal among live columns: attnum has gaps after DROP COLUMN, which is history,
-- not schema); attnum, typid and collid also serve it to name the columns that constraints,
-- indexes and expression trees refer to by number (introspect/exprs.py, definitions.py).
--
-- This query and the other per-column/per-object ones (constraints, indexes, policies,
-- grants, triggers) have no ORDER BY: rows stream to the client as the scan produces them,
-- and the client orders each table's members (assemble.py) — a server-side sort would hold
-- every row back until the last one is read.
-- Defaults and generation expressions come back as their stored trees (small: the text
-- costs the server less than hashing it), deparsed once per distinct tree (exprs.py).
select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as rel,
       c.relkind as relkind,
       a.attname as name,
       a.attnum as attnum,
       a.atttypid as typid,
       a.attcollation as collid,
       format_type(a.atttypid, a.atttypmod) as type,
       not a.attnotnull as nullable,
       ad.oid as ref,
       ad.adbin::text as tree,
       a.attgenerated <> '' as is_generated,
       case a.attidentity when 'a' then 'always' when 'd' then 'by default' end as identity,
       case when a.attcollation <> 0 and a.attcollation <> t.typcollation
            then case when cn.nspname = 'pg_catalog' then quote_ident(co.collname)
                      else quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end
       end as collation,
       d.description as comment,
       -- the options of an identity column's sequence (its internal dependency, deptype 'i')
       case when a.attidentity <> '' then (
         select json_build_object('type', format_type(s.seqtypid, null), 'start', s.seqstart,
                  'increment', s.seqincrement, 'min_value', s.seqmin, 'max_value', s.seqmax,
                  'cache', s.seqcache, 'cycle', s.seqcycle)
         from pg_depend dep
         join pg_sequence s on s.seqrelid = dep.objid
         where dep.classid = 'pg_class'::regclass and dep.refclassid = 'pg_class'::regclass
           and dep.refobjid = a.attrelid and dep.refobjsubid = a.attnum and dep.deptype = 'i'
         limit 1)
       end as identity_sequence,
       case when a.attacl is not null then (
         select json_agg(json_build_array(
                  case when x.grantee = 0 then 'PUBLIC' else pg_get_userbyid(x.grantee) end,
                  x.privilege_type, x.is_grantable))
         from aclexplode(a.attacl) x)
       end as grants
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_type t on t.oid = a.atttypid
-- OFFSET 0 keeps the planner from probing pg_attrdef's index once per column (90,000
-- probes at 10,000 tables): one scan and a hash join cost a third of that (with the
-- work_mem the loader sets, the hash fits in memory).
left join (select adrelid, adnum, oid, adbin from pg_attrdef offset 0) ad
  on ad.adrelid = a.attrelid and ad.adnum = a.attnum
-- a join, not a subquery per column: one pass over pg_description, in the parallel workers
left join pg_description d
  on d.objoid = a.attrelid and d.classoid = 'pg_class'::regclass and d.objsubid = a.attnum
left join pg_collation co on co.oid = a.attcollation
left join pg_namespace cn on cn.oid = co.collnamespace
where a.attnum > 0
  and not a.attisdropped
  and c.relkind in ('r', 'p', 'f', 'v', 'm')
  and n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
