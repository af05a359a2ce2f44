-- User triggers; internal (FK) triggers and the clones a partitioned parent's trigger
-- creates on each partition (tgparentid, PG 13+) are left out.
-- No ORDER BY: rows stream as they are produced (see columns.sql).
select n.nspname as schema,
       c.relname as relation,
       t.tgname as name,
       pg_get_triggerdef(t.oid) as definition,
       quote_ident(fn.nspname) || '.' || quote_ident(p.proname) as function,
       t.tgtype::int as tgtype,
       t.tgenabled as enabled
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_proc p on p.oid = t.tgfoid
join pg_namespace fn on fn.oid = p.pronamespace
where not t.tgisinternal
  and t.tgparentid = 0
  and n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
