-- Publications (database-wide), with the tables they name, each table's column list and
-- row filter (PG 15+), and the schemas of FOR TABLES IN SCHEMA (PG 15+). A FOR ALL TABLES
-- publication lists no tables: all_tables says it.
select 'publications' as kind,
       p.pubname::text as key,
       null::text as rel,
       json_build_object(
         'owner', pg_get_userbyid(p.pubowner),
         'all_tables', p.puballtables,
         'operations', array_remove(array[
             case when p.pubdelete then 'delete' end, case when p.pubinsert then 'insert' end,
             case when p.pubtruncate then 'truncate' end, case when p.pubupdate then 'update' end
           ], null),
         'via_root', p.pubviaroot,
         'tables', coalesce((
           select json_object_agg(
                    quote_ident(tn.nspname) || '.' || quote_ident(tc.relname),
                    json_build_object(
                      'columns', null, 'row_filter', null  -- pg13-14
                      'columns', case when pr.prattrs is not null then array(  -- pg15+
                          select a.attname::text  -- pg15+
                          from unnest(pr.prattrs::int2[]) with ordinality k(attnum, ord)  -- pg15+
                          join pg_attribute a on a.attrelid = pr.prrelid and a.attnum = k.attnum  -- pg15+
                          order by k.ord) end,  -- pg15+
                      'row_filter', pg_get_expr(pr.prqual, pr.prrelid)  -- pg15+
                    ) order by tn.nspname, tc.relname)
           from pg_publication_rel pr
           join pg_class tc on tc.oid = pr.prrelid
           join pg_namespace tn on tn.oid = tc.relnamespace
           where pr.prpubid = p.oid), '{}'),
         'schemas', array[]::text[],  -- pg13-14
         'schemas', array(select pn.nspname::text from pg_publication_namespace pnn  -- pg15+
                          join pg_namespace pn on pn.oid = pnn.pnnspid  -- pg15+
                          where pnn.pnpubid = p.oid order by 1),  -- pg15+
         'comment', (select d.description from pg_description d
                     where d.objoid = p.oid and d.classoid = 'pg_publication'::regclass
                       and d.objsubid = 0)) as data
from pg_publication p
