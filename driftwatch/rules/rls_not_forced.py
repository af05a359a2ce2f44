"""Row level security not forced: the table owner bypasses it.

## What it does
Reports a table in an exposed schema that has RLS enabled but not `FORCE ROW LEVEL
SECURITY`. Informational.

## Why is this bad?
Without FORCE, the table's owner is exempt from its policies. Anything that runs as the
owner (a migration role the application also connects with, SECURITY DEFINER functions
owned by it, views without `security_invoker`) sees every tenant's rows.

## Example
```sql
alter table public.orders enable row level security;
```

## Use instead
```sql
alter table public.orders enable row level security;
alter table public.orders force row level security;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "rls-not-forced"
SEVERITY: Severity = "info"
SUMMARY = "RLS is not FORCEd (the owner bypasses it)"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.audited:
        table = ctx.tables[key]
        if table.rls.enabled and not table.rls.forced:
            yield ctx.finding(
                ID,
                key,
                f"row level security on {key} is not forced: its owner {quote_ident(table.owner)} bypasses the policies",
                f"ALTER TABLE {quote_qualified(key)} FORCE ROW LEVEL SECURITY;",
                on=key,
            )
