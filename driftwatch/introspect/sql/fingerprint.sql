-- A cheap fingerprint of everything a snapshot reads. Any DDL, GRANT, COMMENT or role
-- rename inserts, updates or deletes rows in these catalogs, which changes their row count
-- or the sum of their rows' xmin; flags that PostgreSQL updates in place (without a new
-- row version) are summed explicitly. Equal fingerprints inside a REPEATABLE READ
-- transaction mean the previous snapshot can be reused as it is.
select md5(string_agg(part, ',' order by part)) as fingerprint
from (
  select 'class:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) as part from pg_class
  union all select 'attribute:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_attribute
  union all select 'attrdef:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_attrdef
  union all select 'constraint:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_constraint
  union all select 'index:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0)
                   || ':' || coalesce(sum(indisvalid::int + 2 * indisready::int + 4 * indislive::int), 0)
            from pg_index
  union all select 'policy:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_policy
  union all select 'trigger:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_trigger
  union all select 'rewrite:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_rewrite
  union all select 'proc:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_proc
  union all select 'type:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_type
  union all select 'enum:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_enum
  union all select 'namespace:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_namespace
  union all select 'description:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_description
  union all select 'depend:' || count(*) || ':' || coalesce(sum(objid::bigint + refobjid::bigint), 0) from pg_depend
  union all select 'inherits:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_inherits
  union all select 'sequence:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_sequence
  union all select 'extension:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_extension
  union all select 'collation:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_collation
  union all select 'language:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_language
  union all select 'publication:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_publication
  union all select 'publication_rel:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_publication_rel
  union all select 'event_trigger:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_event_trigger
  union all select 'statistic_ext:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_statistic_ext
  union all select 'operator:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_operator
  union all select 'range:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_range
  union all select 'aggregate:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_aggregate
  union all select 'foreign_table:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_foreign_table
  union all select 'foreign_server:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_foreign_server
  union all select 'publication_namespace:' || count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from pg_publication_namespace  -- pg15+
  union all select 'roles:' || md5(coalesce(string_agg(
              concat_ws('|', oid, rolname, rolsuper, rolbypassrls, rolcanlogin, rolinherit),
              ',' order by oid), '')) from pg_roles
  union all select 'members:' || md5(coalesce(string_agg(roleid || '>' || member, ',' order by roleid, member), ''))
            from pg_auth_members
  union all select 'settings:' || md5(coalesce(string_agg(
              setdatabase || '/' || setrole || '=' || setconfig::text, ',' order by setdatabase, setrole), ''))
            from pg_db_role_setting
  union all select 'server:' || current_setting('server_version_num')
) parts
