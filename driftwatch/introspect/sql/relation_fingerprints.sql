-- Fingerprints for an incremental snapshot (introspect/incremental.py): one row per user
-- relation (tables, views, materialized views, sequences, in every schema) over the
-- catalog rows that define it and its members, and one row (oid 0) over everything
-- shared (types, functions, roles, schemas, extensions, collations, operators, event
-- triggers, publications, statistics objects, ...).
--
-- A catalog row changes its xmin with every new version (DDL, GRANT, COMMENT, rename), so
-- per relation and catalog the count of rows and the sum of their xmin change whenever a
-- row is added, removed or rewritten; flags updated in place (pg_index's) and pg_depend's
-- rows (never updated) are hashed by value instead. VACUUM and ANALYZE update pg_class in
-- place: no new xmin, no change. Each catalog is aggregated by relation in one scan and
-- the aggregates joined to pg_class once (no per-row sort or string).
with
att as (select attrelid as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_attribute where attnum > 0 group by 1),
ind as (select x.indrelid as oid, count(*) as n, sum(x.xmin::text::bigint) as s,
               sum(i.xmin::text::bigint) as si,
               sum(hashint8(x.indexrelid::bigint * 8 + x.indisvalid::int + 2 * x.indisready::int
                            + 4 * x.indislive::int)) as h
        from pg_index x join pg_class i on i.oid = x.indexrelid group by 1),
def as (select adrelid as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_attrdef group by 1),
con as (select conrelid as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_constraint where conrelid <> 0 group by 1),
pol as (select polrelid as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_policy group by 1),
-- (the internal triggers of a foreign key on the table it references are the FK's)
trg as (select tgrelid as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_trigger where not tgisinternal group by 1),
rul as (select ev_class as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_rewrite group by 1),
inh as (select inhrelid as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_inherits group by 1),
sub as (select inhparent as oid, count(*) as n, sum(xmin::text::bigint) as s
        from pg_inherits group by 1),
-- comments of the relation and its columns, indexes, constraints, policies, triggers, rules
dsc as (
  select oid, sum(n) as n, sum(s) as s from (
    select coalesce(x.indrelid, ds.objoid) as oid, count(*) as n, sum(ds.xmin::text::bigint) as s
    from pg_description ds left join pg_index x on x.indexrelid = ds.objoid
    where ds.classoid = 'pg_class'::regclass group by 1
    union all
    select k.conrelid, count(*), sum(ds.xmin::text::bigint)
    from pg_description ds join pg_constraint k on k.oid = ds.objoid
    where ds.classoid = 'pg_constraint'::regclass and k.conrelid <> 0 group by 1
    union all
    select p.polrelid, count(*), sum(ds.xmin::text::bigint)
    from pg_description ds join pg_policy p on p.oid = ds.objoid
    where ds.classoid = 'pg_policy'::regclass group by 1
    union all
    select t.tgrelid, count(*), sum(ds.xmin::text::bigint)
    from pg_description ds join pg_trigger t on t.oid = ds.objoid
    where ds.classoid = 'pg_trigger'::regclass group by 1
    union all
    select r.ev_class, count(*), sum(ds.xmin::text::bigint)
    from pg_description ds join pg_rewrite r on r.oid = ds.objoid
    where ds.classoid = 'pg_rewrite'::regclass group by 1
  ) parts group by 1
),
-- extension membership and sequence ownership (OWNED BY, identity), from both ends
dep as (select objid as oid, count(*) as n,
               sum(hashint8(refclassid::bigint * 1000003 + refobjid::bigint * 1009
                            + refobjsubid * 7 + ascii(deptype))) as h
        from pg_depend where classid = 'pg_class'::regclass and deptype in ('a', 'i', 'e')
        group by 1),
own as (select refobjid as oid, count(*) as n,
               sum(hashint8(objid::bigint * 1009 + refobjsubid * 7 + ascii(deptype))) as h
        from pg_depend
        where classid = 'pg_class'::regclass and refclassid = 'pg_class'::regclass
          and deptype in ('a', 'i')
        group by 1),
shared (part) as (
  select 'class:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0)
  from pg_class where relkind = 'c'
  union all select 'attribute:' || count(*) || ':' || coalesce(sum(a.xmin::text::bigint), 0)
  from pg_attribute a join pg_class c on c.oid = a.attrelid where c.relkind = 'c'
  union all select 'constraint:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0)
  from pg_constraint where conrelid = 0
  -- types but the row types of relations and their arrays (renamed with their relation)
  union all select 'type:' || count(*) || ':' || coalesce(sum(t.xmin::text::bigint), 0)
  from pg_type t
  where t.oid not in (select reltype from pg_class where reltype <> 0 and relkind <> 'c')
    and t.typelem not in (select reltype from pg_class where reltype <> 0 and relkind <> 'c')
  union all select 'description:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0)
  from pg_description
  where classoid not in ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_policy'::regclass,
                         'pg_trigger'::regclass, 'pg_rewrite'::regclass)
     or (classoid = 'pg_class'::regclass
         and objoid in (select oid from pg_class where relkind = 'c'))
     or (classoid = 'pg_constraint'::regclass
         and objoid in (select oid from pg_constraint where conrelid = 0))
  union all select 'depend:' || count(*) || ':' || coalesce(sum(objid::bigint + refobjid::bigint), 0)
  from pg_depend where deptype = 'e' and classid <> 'pg_class'::regclass
  union all select 'proc:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_proc
  union all select 'enum:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_enum
  union all select 'namespace:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_namespace
  union all select 'extension:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_extension
  union all select 'collation:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_collation
  union all select 'language:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_language
  union all select 'publication:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_publication
  union all select 'publication_rel:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_publication_rel
  union all select 'event_trigger:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_event_trigger
  union all select 'statistic_ext:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_statistic_ext
  union all select 'operator:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_operator
  union all select 'opclass:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_opclass
  union all select 'range:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_range
  union all select 'aggregate:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_aggregate
  union all select 'foreign_server:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_foreign_server
  union all select 'publication_namespace:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_publication_namespace  -- pg15+
  union all select 'roles:' || md5(coalesce(string_agg(
              concat_ws('|', oid, rolname, rolsuper, rolbypassrls, rolcanlogin, rolinherit),
              ',' order by oid), '')) from pg_roles
  union all select 'members:' || md5(coalesce(string_agg(roleid || '>' || member, ',' order by roleid, member), ''))
            from pg_auth_members
  union all select 'settings:' || md5(coalesce(string_agg(
              setdatabase || '/' || setrole || '=' || setconfig::text, ',' order by setdatabase, setrole), ''))
            from pg_db_role_setting
  union all select 'server:' || current_setting('server_version_num')
)
select c.oid::bigint as oid, n.nspname::text as schema, c.relname::text as name,
       c.relkind::text as relkind,
       md5(row(c.xmin::text::bigint, att.n, att.s, ind.n, ind.s, ind.si, ind.h, def.n, def.s,
               con.n, con.s, pol.n, pol.s, trg.n, trg.s, rul.n, rul.s, inh.n, inh.s, sub.n,
               sub.s, sq.xmin::text::bigint, ft.xmin::text::bigint, dsc.n, dsc.s, dep.n, dep.h,
               own.n, own.h)::text) as fingerprint
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join att on att.oid = c.oid
left join ind on ind.oid = c.oid
left join def on def.oid = c.oid
left join con on con.oid = c.oid
left join pol on pol.oid = c.oid
left join trg on trg.oid = c.oid
left join rul on rul.oid = c.oid
left join inh on inh.oid = c.oid
left join sub on sub.oid = c.oid
left join pg_sequence sq on sq.seqrelid = c.oid
left join pg_foreign_table ft on ft.ftrelid = c.oid
left join dsc on dsc.oid = c.oid
left join dep on dep.oid = c.oid
left join own on own.oid = c.oid
where c.relkind in ('r', 'p', 'f', 'v', 'm', 'S')
  and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
  and n.nspname !~ '^pg_(toast_)?temp_'
union all
select 0, null, null, null, md5(string_agg(part, ',' order by part)) from shared
