-- Did a transaction that committed after this snapshot began update or delete a catalog row
-- of the selected schemas? The catalog scans read the REPEATABLE READ snapshot, but the
-- deparse functions (pg_get_*def, pg_get_expr, pg_get_function_*) read the latest catalog,
-- so such a change may have leaked into the result half-way (a renamed table inside an index
-- definition, a NULL trigger definition). Rows changed later still show their old version to
-- this snapshot, with the changing transaction in xmax. The loader retries when this is true.
-- txid_* functions (not pg_xact_*) so that it runs on every supported version.
with snap as (
  select txid_current_snapshot() as s, txid_snapshot_xmax(txid_current_snapshot()) as hi
),
ns as (select oid from pg_namespace where nspname = any(%(schemas)s::text[])),
touched as (
  select xmax, oid as nsp from pg_namespace where xmax <> '0'::xid
  union all select xmax, relnamespace from pg_class where xmax <> '0'::xid
  union all select xmax, pronamespace from pg_proc where xmax <> '0'::xid
  union all select xmax, typnamespace from pg_type where xmax <> '0'::xid
  union all select xmax, connamespace from pg_constraint where xmax <> '0'::xid
  union all select a.xmax, c.relnamespace from pg_attribute a
            join pg_class c on c.oid = a.attrelid where a.xmax <> '0'::xid
  union all select d.xmax, c.relnamespace from pg_attrdef d
            join pg_class c on c.oid = d.adrelid where d.xmax <> '0'::xid
  union all select i.xmax, c.relnamespace from pg_index i
            join pg_class c on c.oid = i.indrelid where i.xmax <> '0'::xid
  union all select t.xmax, c.relnamespace from pg_trigger t
            join pg_class c on c.oid = t.tgrelid where t.xmax <> '0'::xid
  union all select p.xmax, c.relnamespace from pg_policy p
            join pg_class c on c.oid = p.polrelid where p.xmax <> '0'::xid
  union all select r.xmax, c.relnamespace from pg_rewrite r
            join pg_class c on c.oid = r.ev_class where r.xmax <> '0'::xid
),
xids as (
  -- 32-bit xmax → 64-bit txid in the epoch nearest to the snapshot's
  select distinct x.raw + ((snap.hi >> 32) << 32)
         + case when x.raw + ((snap.hi >> 32) << 32) > snap.hi + 2147483648 then -4294967296
                when x.raw + ((snap.hi >> 32) << 32) < snap.hi - 2147483648 then 4294967296
                else 0 end as txid
  from (select t.xmax::text::bigint as raw from touched t where t.nsp in (select oid from ns)) x,
       snap
)
select exists (
  select 1 from xids, snap
  where not txid_visible_in_snapshot(xids.txid, snap.s)
    and txid_status(xids.txid) = 'committed'
) as changed
