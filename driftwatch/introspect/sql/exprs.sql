-- Expressions of given objects, for introspect/exprs.py. Policy trees reach the client as
-- digests: with deparse false this returns their stored node trees (one policy per
-- distinct digest: which columns does the tree read, can it print its table's name?).
-- With deparse true it returns PostgreSQL's own text (one object per distinct tree and
-- context: every other object of the group gets the same text); defaults, CHECK
-- constraints and index predicates are only ever deparsed here, their trees came with
-- their rows. Only the relations deparsed here need a relation-cache entry on the server.
-- "indexdef" is no tree: an index the client cannot spell (introspect/definitions.py).
select 'policy_using' as source, p.oid as ref,
       case when %(deparse)s then pg_get_expr(p.polqual, p.polrelid)
            else p.polqual::text end as text
from pg_policy p where p.oid = any(%(policy_using)s::oid[])
union all
select 'policy_check', p.oid,
       case when %(deparse)s then pg_get_expr(p.polwithcheck, p.polrelid)
            else p.polwithcheck::text end
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
select 'indexdef', x.indexrelid, case when %(deparse)s then pg_get_indexdef(x.indexrelid) end
from pg_index x where x.indexrelid = any(%(indexdef)s::oid[])
