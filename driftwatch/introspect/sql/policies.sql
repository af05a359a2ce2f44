select n.nspname as schema,
       c.relname as relation,
       p.polname as name,
       p.polcmd as command,
       p.polpermissive as permissive,
       array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end
             from unnest(p.polroles) r order by 1) as roles,
       pg_get_expr(p.polqual, p.polrelid) as using_expr,
       pg_get_expr(p.polwithcheck, p.polrelid) as with_check
from pg_policy p
join pg_class c on c.oid = p.polrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s::text[])
order by 1, 2, 3
