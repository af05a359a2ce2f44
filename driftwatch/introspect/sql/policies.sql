-- Row-level security policies. The USING / WITH CHECK expressions come back as tree
-- digests: each distinct tree is deparsed once (introspect/exprs.py), not once per table.
-- No ORDER BY: rows stream as they are produced (see columns.sql).
select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as rel,
       p.polname as name,
       p.polcmd as command,
       p.polpermissive as permissive,
       p.polroles::oid[] as roles,  -- named and sorted by the client (server.sql's roles)
       p.oid as ref,
       md5(p.polqual::text) as using_tree,
       md5(p.polwithcheck::text) as check_tree,
       d.description as comment
from pg_policy p
join pg_class c on c.oid = p.polrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_description d
  on d.objoid = p.oid and d.classoid = 'pg_policy'::regclass and d.objsubid = 0
where n.nspname = any(%(schemas)s::text[])
  and (%(oids)s::oid[] is null or c.oid = any(%(oids)s::oid[]))  -- an incremental read's relations
