-- User-defined collations. The locale column was colliculocale in PG 15-16 and colllocale
-- from 17; to_jsonb of the row reads whichever exists, so one text serves every version.
select 'collations' as kind,
       quote_ident(n.nspname) || '.' || quote_ident(co.collname) as key,
       null::text as rel,
       json_build_object(
         'provider', case co.collprovider when 'c' then 'libc' when 'i' then 'icu'
                                          when 'b' then 'builtin' else 'default' end,
         'deterministic', co.collisdeterministic,
         'owner', pg_get_userbyid(co.collowner),
         'collate', j->>'collcollate',
         'ctype', j->>'collctype',
         'locale', coalesce(j->>'colllocale', j->>'colliculocale'),
         'rules', j->>'collicurules',
         'version', co.collversion,
         'comment', (select d.description from pg_description d
                     where d.objoid = co.oid and d.classoid = 'pg_collation'::regclass
                       and d.objsubid = 0)) as data
from pg_collation co
join pg_namespace n on n.oid = co.collnamespace
cross join lateral to_jsonb(co) j
where n.nspname = any(%(schemas)s::text[])
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_collation'::regclass and e.objid = co.oid and e.deptype = 'e')
