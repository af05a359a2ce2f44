-- Event triggers (database-wide: no schema). Extension members are left out.
select 'event_triggers' as kind,
       e.evtname::text as key,
       null::text as rel,
       json_build_object(
         'event', e.evtevent::text,
         'function', quote_ident(fn.nspname) || '.' || quote_ident(p.proname),
         'owner', pg_get_userbyid(e.evtowner),
         'enabled', case e.evtenabled when 'O' then 'origin' when 'A' then 'always'
                                      when 'R' then 'replica' when 'D' then 'disabled' end,
         'tags', coalesce(array(select unnest(e.evttags) order by 1), '{}'),
         'comment', (select d.description from pg_description d
                     where d.objoid = e.oid and d.classoid = 'pg_event_trigger'::regclass
                       and d.objsubid = 0)) as data
from pg_event_trigger e
join pg_proc p on p.oid = e.evtfoid
join pg_namespace fn on fn.oid = p.pronamespace
where not exists (
  select 1 from pg_depend x
  where x.classid = 'pg_event_trigger'::regclass and x.objid = e.oid and x.deptype = 'e')
