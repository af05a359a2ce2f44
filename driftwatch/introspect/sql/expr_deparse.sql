-- PostgreSQL's own deparse of one representative per distinct (tree, context): every other
-- object with the same tree and the same names in scope gets the same text
-- (introspect/exprs.py). Only these relations need a relation-cache entry on the server.
select 'policy_using' as source, p.oid as ref, pg_get_expr(p.polqual, p.polrelid) as text
from pg_policy p where p.oid = any(%(policy_using)s::oid[])
union all
select 'policy_check', p.oid, pg_get_expr(p.polwithcheck, p.polrelid)
from pg_policy p where p.oid = any(%(policy_check)s::oid[])
union all
select 'default', ad.oid, pg_get_expr(ad.adbin, ad.adrelid)
from pg_attrdef ad where ad.oid = any(%(default)s::oid[])
union all
select 'predicate', x.indexrelid, pg_get_expr(x.indpred, x.indrelid)
from pg_index x where x.indexrelid = any(%(predicate)s::oid[])
union all
select 'check', con.oid, pg_get_constraintdef(con.oid)
from pg_constraint con where con.oid = any(%(check)s::oid[])
union all
select 'indexdef', x.indexrelid, pg_get_indexdef(x.indexrelid)
from pg_index x where x.indexrelid = any(%(indexdef)s::oid[])
