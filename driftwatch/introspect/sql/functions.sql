-- Functions, procedures and aggregates (with their pg_aggregate row). SQL-standard bodies
-- (BEGIN ATOMIC / RETURN, PostgreSQL 14+) live in prosqlbody; 13 has only prosrc.
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
       p.prosrc as body,  -- pg13-13
       case when p.prosqlbody is not null then pg_get_function_sqlbody(p.oid)  -- pg14+
            else p.prosrc end as body,  -- pg14+
       (select d.description from pg_description d
        where d.objoid = p.oid and d.classoid = 'pg_proc'::regclass and d.objsubid = 0) as comment,
       case when p.prokind = 'a' then (
         select json_build_object(
                  'kind', case ag.aggkind when 'o' then 'ordered-set'
                                          when 'h' then 'hypothetical-set' else 'normal' end,
                  'transition', ag.aggtransfn::regproc::text,
                  'state_type', format_type(ag.aggtranstype, null),
                  'final', nullif(ag.aggfinalfn::oid, 0)::regproc::text,
                  'combine', nullif(ag.aggcombinefn::oid, 0)::regproc::text,
                  'serial', nullif(ag.aggserialfn::oid, 0)::regproc::text,
                  'deserial', nullif(ag.aggdeserialfn::oid, 0)::regproc::text,
                  'initial', ag.agginitval,
                  'sort_operator', nullif(ag.aggsortop::oid, 0)::regoperator::text,
                  'moving_transition', nullif(ag.aggmtransfn::oid, 0)::regproc::text,
                  'moving_inverse', nullif(ag.aggminvtransfn::oid, 0)::regproc::text,
                  'moving_state_type', case when ag.aggmtranstype <> 0
                                            then format_type(ag.aggmtranstype, null) end,
                  'moving_final', nullif(ag.aggmfinalfn::oid, 0)::regproc::text,
                  'moving_initial', ag.aggminitval,
                  'direct_arguments', ag.aggnumdirectargs)
         from pg_aggregate ag where ag.aggfnoid = p.oid)
       end as aggregate
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where n.nspname = any(%(schemas)s::text[])
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_proc'::regclass and e.objid = p.oid and e.deptype = 'e')
  -- constructors of range and multirange types belong to their type (range_types.sql)
  and not exists (
    select 1 from pg_depend i
    where i.classid = 'pg_proc'::regclass and i.objid = p.oid
      and i.refclassid = 'pg_type'::regclass and i.deptype = 'i')
order by 1, 2, 3
