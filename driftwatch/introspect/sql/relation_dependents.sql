-- The relations whose snapshot data names one of the given relations (introspect/
-- incremental.py re-reads them with those): the owners of the columns' defaults, the
-- constraints (FKs), policies, rules (views), triggers, indexes and sequences that depend
-- on them or on their row types, their inheritance parents and children, and the tables
-- whose columns own a changed sequence (identity, OWNED BY). Their own
-- catalog rows did not change, but what PostgreSQL prints for them (a column name in a
-- view body, a referenced table's name) may have.
with changed as (select unnest(%(changed)s::oid[]) as oid),
types as (
  select t.oid from pg_type t join changed ch on ch.oid = t.typrelid
  union all
  select a.oid from pg_type a join pg_type t on a.typelem = t.oid and t.typarray = a.oid
  join changed ch on ch.oid = t.typrelid
),
deps as (
  select d.classid, d.objid from pg_depend d join changed ch on ch.oid = d.refobjid
  where d.refclassid = 'pg_class'::regclass
  union all
  select d.classid, d.objid from pg_depend d join types ty on ty.oid = d.refobjid
  where d.refclassid = 'pg_type'::regclass
),
owners (oid) as (
  select case d.classid
           when 'pg_class'::regclass then coalesce(
             (select x.indrelid from pg_index x where x.indexrelid = d.objid), d.objid)
           when 'pg_attrdef'::regclass then (select ad.adrelid from pg_attrdef ad where ad.oid = d.objid)
           when 'pg_constraint'::regclass then (
             select nullif(k.conrelid, 0) from pg_constraint k where k.oid = d.objid)
           when 'pg_policy'::regclass then (select p.polrelid from pg_policy p where p.oid = d.objid)
           when 'pg_rewrite'::regclass then (select r.ev_class from pg_rewrite r where r.oid = d.objid)
           when 'pg_trigger'::regclass then (select t.tgrelid from pg_trigger t where t.oid = d.objid)
         end
  from deps d
  union all
  select h.inhrelid from pg_inherits h join changed ch on ch.oid = h.inhparent
  union all
  select h.inhparent from pg_inherits h join changed ch on ch.oid = h.inhrelid
  union all
  select d.refobjid from pg_depend d join changed ch on ch.oid = d.objid
  where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
    and d.deptype in ('a', 'i')
)
select distinct oid::bigint as oid from owners where oid is not null
