"""Foreign table reachable by the API roles.

## What it does
Reports a foreign table in a schema the API exposes on which anon or authenticated hold
a privilege (directly, through PUBLIC or through a role they inherit).

## Why is this bad?
A foreign table's rows live on another server and PostgreSQL cannot apply row level
security to it: whoever reaches it through the API reads (or writes) every row the
foreign server's user mapping allows.

## Example
```sql
create foreign table public.legacy_orders (id int, org_id uuid, total numeric)
  server legacy options (table_name 'orders');
grant select on public.legacy_orders to authenticated;
```

## Use instead
```sql
create schema if not exists private;
alter foreign table public.legacy_orders set schema private;
-- or: revoke all on public.legacy_orders from anon, authenticated;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "foreign-table-in-api"
SEVERITY: Severity = "warning"
SUMMARY = "a foreign table (which cannot have RLS) is reachable by the API roles"


def check(ctx: Context) -> Iterator[Finding]:
    for key, table in sorted(ctx.tables.items()):
        if table.kind != "foreign" or ctx.extension_of(key):
            continue
        exp = ctx.exposure(key)
        if not exp.reachable:
            continue
        roles = sorted(exp.roles)
        privs = sorted({p for r in roles for p in exp.privileges[r]})
        yield ctx.finding(
            ID,
            key,
            f"foreign table {key} is reachable by {', '.join(roles)} ({', '.join(privs)})"
            " through the API, and foreign tables cannot have row level security",
            f"REVOKE ALL ON {quote_qualified(key)} FROM {', '.join(quote_ident(r) for r in roles)};",
            on=key,
        )
