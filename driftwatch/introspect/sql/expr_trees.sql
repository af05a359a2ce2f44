-- The node trees of one representative per distinct tree digest (introspect/exprs.py reads
-- which columns of its relation a tree refers to, and whether it has subqueries).
select 'policy_using' as source, p.oid as ref, p.polqual::text as text
from pg_policy p where p.oid = any(%(policy_using)s::oid[])
union all
select 'policy_check', p.oid, p.polwithcheck::text
from pg_policy p where p.oid = any(%(policy_check)s::oid[])
union all
select 'default', ad.oid, ad.adbin::text
from pg_attrdef ad where ad.oid = any(%(default)s::oid[])
union all
select 'predicate', x.indexrelid, x.indpred::text
from pg_index x where x.indexrelid = any(%(predicate)s::oid[])
union all
select 'check', con.oid, con.conbin::text
from pg_constraint con where con.oid = any(%(check)s::oid[])
