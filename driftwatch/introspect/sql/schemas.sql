select n.nspname as name,
       pg_get_userbyid(n.nspowner) as owner,
       d.description as comment
from pg_namespace n
left join pg_description d
  on d.objoid = n.oid and d.classoid = 'pg_namespace'::regclass and d.objsubid = 0
where n.nspname = any(%(schemas)s::text[])
order by 1
