"""Partition or inheritance child reachable by the API roles with its own RLS off.

## What it does
Reports a partition (or a table that `INHERITS` another) whose parent has row level
security enabled while the child itself has it off, when an API role can reach the
child directly (a grant, PUBLIC, an inherited role; Supabase's default privileges grant
every new table, partitions included, to anon and authenticated). Partitions reached
only through their parent are fine and not reported.

## Why is this bad?
PostgreSQL applies the parent's policies only to queries that name the parent. A query
that names the partition (`GET /rest/v1/events_2025`) is governed by the partition's own
RLS, which is off: every tenant's rows in that partition are readable.

## Example
```sql
create table public.events_2025 partition of public.events
  for values from ('2025-01-01') to ('2026-01-01');
-- Supabase's default privileges: grant all on public.events_2025 to anon, authenticated
```

## Use instead
```sql
alter table public.events_2025 enable row level security;  -- no policy: direct access denied
-- or: revoke all on public.events_2025 from anon, authenticated;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "partition-bypasses-rls"
SEVERITY: Severity = "error"
SUMMARY = (
    "a partition or inheritance child the API roles reach has RLS off while its parent has it on"
)


def check(ctx: Context) -> Iterator[Finding]:
    for key, table in sorted(ctx.tables.items()):
        if table.rls.enabled or ctx.extension_of(key):
            continue
        parents = [table.partition_of] if table.partition_of else list(table.inherits)
        guarded = [p for p in parents if (pt := ctx.tables.get(p)) is not None and pt.rls.enabled]
        if not guarded:
            continue
        root = ctx.effective_table(key)
        if ctx.exemption(root) is not None:
            continue
        exp = ctx.exposure(key)
        if not exp.reachable:
            continue
        roles = sorted(exp.roles)
        how = "partition" if table.partition_of else "inheritance child"
        qt = quote_qualified(key)
        yield ctx.finding(
            ID,
            key,
            f"{how} {key} of {', '.join(guarded)} has row level security off and is reachable by"
            f" {', '.join(roles)} through the API: queried directly, it bypasses the parent's policies",
            f"ALTER TABLE {qt} ENABLE ROW LEVEL SECURITY;\n-- or:\n"
            f"REVOKE ALL ON {qt} FROM {', '.join(quote_ident(r) for r in roles)};",
            on=key,
        )
