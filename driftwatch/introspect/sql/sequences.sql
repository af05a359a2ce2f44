-- Sequences; identity-column sequences (deptype 'i') belong to their column and are left out.
select n.nspname as schema,
       c.relname as name,
       format_type(s.seqtypid, null) as type,
       s.seqstart as start,
       s.seqincrement as increment,
       s.seqmin as min_value,
       s.seqmax as max_value,
       s.seqcache as cache,
       s.seqcycle as cycle,
       pg_get_userbyid(c.relowner) as owner,
       (select quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) || '.' || quote_ident(a.attname)
        from pg_depend dep
        join pg_class tc on tc.oid = dep.refobjid
        join pg_namespace tn on tn.oid = tc.relnamespace
        join pg_attribute a on a.attrelid = dep.refobjid and a.attnum = dep.refobjsubid
        where dep.classid = 'pg_class'::regclass and dep.objid = c.oid
          and dep.refclassid = 'pg_class'::regclass and dep.deptype = 'a'
        limit 1) as owned_by,
       (select d.description from pg_description d
        where d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0) as comment
from pg_sequence s
join pg_class c on c.oid = s.seqrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype in ('i', 'e'))
order by 1, 2
