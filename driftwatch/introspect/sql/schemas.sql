select n.nspname as name,
       pg_get_userbyid(n.nspowner) as owner,
       (select d.description from pg_description d
        where d.objoid = n.oid and d.classoid = 'pg_namespace'::regclass and d.objsubid = 0) as comment
from pg_namespace n
where n.nspname = any(%(schemas)s::text[])
order by 1
