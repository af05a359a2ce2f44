-- PostgreSQL 13: no prosqlbody (SQL-standard bodies arrived in 14).
select n.nspname as schema,
       p.proname as name,
       pg_get_function_identity_arguments(p.oid) as identity_arguments,
       p.prokind as prokind,
       pg_get_function_arguments(p.oid) as arguments,
       case when p.prokind <> 'p' then pg_get_function_result(p.oid) end as returns,
       l.lanname as language,
       p.provolatile as volatility,
       p.prosecdef as security_definer,
       pg_get_userbyid(p.proowner) as owner,
       p.proisstrict as strict,
       p.proleakproof as leakproof,
       p.proparallel as parallel,
       coalesce(p.proconfig, '{}') as config,
       p.prosrc as body,
       (select d.description from pg_description d
        where d.objoid = p.oid and d.classoid = 'pg_proc'::regclass and d.objsubid = 0) as comment
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where n.nspname = any(%(schemas)s::text[])
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_proc'::regclass and e.objid = p.oid and e.deptype = 'e')
order by 1, 2, 3
