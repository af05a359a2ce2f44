-- User-defined operators; the key spells the operand types: schema.op(left,right), NONE
-- for the missing left operand of a prefix operator. Extension members are left out.
select 'operators' as kind,
       quote_ident(n.nspname) || '.' || o.oprname || '('
         || case when o.oprleft = 0 then 'NONE' else format_type(o.oprleft, null) end || ','
         || format_type(o.oprright, null) || ')' as key,
       null::text as rel,
       json_build_object(
         'kind', case o.oprkind when 'l' then 'prefix' else 'infix' end,
         'left', case when o.oprleft <> 0 then format_type(o.oprleft, null) end,
         'right', format_type(o.oprright, null),
         'result', format_type(o.oprresult, null),
         'function', o.oprcode::text,
         'owner', pg_get_userbyid(o.oprowner),
         'commutator', nullif(o.oprcom::oid, 0)::regoperator::text,
         'negator', nullif(o.oprnegate::oid, 0)::regoperator::text,
         'restrict', nullif(o.oprrest::oid, 0)::regproc::text,
         'join', nullif(o.oprjoin::oid, 0)::regproc::text,
         'hashes', o.oprcanhash,
         'merges', o.oprcanmerge,
         'comment', (select d.description from pg_description d
                     where d.objoid = o.oid and d.classoid = 'pg_operator'::regclass
                       and d.objsubid = 0)) as data
from pg_operator o
join pg_namespace n on n.oid = o.oprnamespace
where n.nspname = any(%(schemas)s::text[])
  and not exists (
    select 1 from pg_depend e
    where e.classid = 'pg_operator'::regclass and e.objid = o.oid and e.deptype = 'e')
