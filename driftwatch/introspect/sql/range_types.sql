-- Range types (CREATE TYPE ... AS RANGE) with their multirange (PG 14+); their
-- constructor functions belong to them and are left out of functions (functions.sql).
select 'range_types' as kind,
       quote_ident(n.nspname) || '.' || quote_ident(t.typname) as key,
       null::text as rel,
       json_build_object(
         'subtype', format_type(r.rngsubtype, null),
         'owner', pg_get_userbyid(t.typowner),
         'multirange', null,  -- pg13-13
         'multirange', (select quote_ident(mn.nspname) || '.' || quote_ident(mt.typname)  -- pg14+
                        from pg_type mt join pg_namespace mn on mn.oid = mt.typnamespace  -- pg14+
                        where mt.oid = r.rngmultitypid),  -- pg14+
         'subtype_opclass', case when not oc.opcdefault then
                              quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname) end,
         'collation', case when r.rngcollation <> 0 and r.rngcollation <> st.typcollation then
                        case when cn.nspname = 'pg_catalog' then quote_ident(co.collname)
                             else quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end
                      end,
         'canonical', nullif(r.rngcanonical::oid, 0)::regproc::text,
         'subtype_diff', nullif(r.rngsubdiff::oid, 0)::regproc::text,
         'comment', (select d.description from pg_description d
                     where d.objoid = t.oid and d.classoid = 'pg_type'::regclass
                       and d.objsubid = 0)) as data
from pg_range r
join pg_type t on t.oid = r.rngtypid
join pg_namespace n on n.oid = t.typnamespace
join pg_type st on st.oid = r.rngsubtype
join pg_opclass oc on oc.oid = r.rngsubopc
join pg_namespace ocn on ocn.oid = oc.opcnamespace
left join pg_collation co on co.oid = r.rngcollation
left join pg_namespace cn on cn.oid = co.collnamespace
where n.nspname = any(%(schemas)s::text[])
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_type'::regclass and e.objid = t.oid and e.deptype = 'e')
