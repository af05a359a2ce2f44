-- Server facts and every candidate schema (filtered by include/exclude globs in Python).
select current_database() as database,
       current_setting('server_version') as server_version,
       current_setting('server_version_num')::int as server_version_num,
       array(
         select n.nspname::text from pg_namespace n
         where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
           and n.nspname !~ '^pg_(toast_)?temp_'
         order by 1
       ) as schemas
