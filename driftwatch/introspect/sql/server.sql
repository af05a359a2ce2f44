-- Server facts and every candidate schema (filtered by include/exclude globs in Python).
select current_database() as database,
       current_setting('server_version') as server_version,
       current_setting('server_version_num')::int as server_version_num,
       array(
         select n.nspname::text from pg_namespace n
         where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
           and n.nspname !~ '^pg_(toast_)?temp_'
         order by 1
       ) as schemas,
       -- quote_ident's list: every keyword but the unreserved ones forces quotes.
       array(select word from pg_get_keywords() where catcode <> 'U' order by 1) as keywords,
       -- Default operator classes and their input types (index definitions leave these out).
       array(select oid from pg_opclass where opcdefault order by oid) as default_opclasses,
       array(select opcintype from pg_opclass where opcdefault order by oid) as default_opclass_types,
       -- Every role, to name the roles of policies without a lookup per policy.
       array(select oid from pg_roles order by oid) as role_oids,
       array(select rolname::text from pg_roles order by oid) as role_names
