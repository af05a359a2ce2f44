-- A login role for driftwatch that can read the catalog and nothing else it does not need.
-- (Catalog introspection needs CONNECT only; driftwatch never reads table rows.)
create role driftwatch_ro login password 'driftwatch-ro-demo';
grant connect on database nexus to driftwatch_ro;
