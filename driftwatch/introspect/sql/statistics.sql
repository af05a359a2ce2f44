-- Extended statistics objects (CREATE STATISTICS) on the selected schemas' tables.
select 'statistics' as kind,
       quote_ident(n.nspname) || '.' || quote_ident(s.stxname) as key,
       quote_ident(tn.nspname) || '.' || quote_ident(c.relname) as rel,
       json_build_object(
         'table', quote_ident(tn.nspname) || '.' || quote_ident(c.relname),
         'definition', pg_get_statisticsobjdef(s.oid),
         'kinds', array(select case k when 'd' then 'dependencies' when 'f' then 'ndistinct'
                                      when 'm' then 'mcv' when 'e' then 'expressions'
                                      else k::text end
                        from unnest(s.stxkind) k order by 1),
         'owner', pg_get_userbyid(s.stxowner),
         'target', case when s.stxstattarget >= 0 then s.stxstattarget end,
         'comment', (select d.description from pg_description d
                     where d.objoid = s.oid and d.classoid = 'pg_statistic_ext'::regclass
                       and d.objsubid = 0)) as data
from pg_statistic_ext s
join pg_namespace n on n.oid = s.stxnamespace
join pg_class c on c.oid = s.stxrelid
join pg_namespace tn on tn.oid = c.relnamespace
where n.nspname = any(%(schemas)s::text[])
