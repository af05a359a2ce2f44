-- Rewrite rules of tables and views (CREATE RULE); a view's own "_RETURN" rule is its
-- definition (views.sql) and left out. One row per rule: (kind, key, rel, data), see
-- queries.py for how the small kinds share one query.
select 'rules' as kind,
       r.rulename::text as key,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) as rel,
       json_build_object(
         'definition', pg_get_ruledef(r.oid),
         'event', case r.ev_type when '1' then 'SELECT' when '2' then 'UPDATE'
                                 when '3' then 'INSERT' when '4' then 'DELETE' end,
         'instead', r.is_instead,
         'enabled', case r.ev_enabled when 'O' then 'origin' when 'A' then 'always'
                                      when 'R' then 'replica' when 'D' then 'disabled' end,
         'comment', (select d.description from pg_description d
                     where d.objoid = r.oid and d.classoid = 'pg_rewrite'::regclass
                       and d.objsubid = 0)) as data
from pg_rewrite r
join pg_class c on c.oid = r.ev_class
join pg_namespace n on n.oid = c.relnamespace
where r.rulename <> '_RETURN'
  and n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
