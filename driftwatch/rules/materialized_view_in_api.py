"""Materialized view reachable by the API roles.

## What it does
Reports a materialized view that anon or authenticated can select from through the
API. When it reads a table with RLS, `view-bypasses-rls` reports it (as an error) and
this rule stays quiet. Otherwise it is a **warning** when it exposes a relation the same
role cannot read directly, and **info** when the role could read everything below it
anyway.

## Why is this bad?
A materialized view stores rows and has no row level security; its grants are all that
stands between the API and every stored row, as stale as the last refresh.

## Example
```sql
create materialized view public.revenue as
  select organization_id, sum(total) from private.invoices group by 1;
grant select on public.revenue to authenticated;
```

## Use instead
```sql
revoke select on public.revenue from anon, authenticated;
-- serve it through a security_invoker view or a function that filters by tenant
```
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._reads import view_reads
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "materialized-view-in-api"
SEVERITY: Severity = "warning"
SUMMARY = "a materialized view (which cannot have RLS) is readable by the API roles"


def check(ctx: Context) -> Iterator[Finding]:
    for key in sorted(ctx.objects.materialized_views):
        if ctx.extension_of(key):
            continue
        readers = sorted(ctx.exposure(key).roles_with("SELECT"))
        if not readers:
            continue
        below = view_reads(ctx, key)
        if any(t.rls.enabled for r in below if (t := ctx.tables.get(r)) is not None):
            continue  # view-bypasses-rls
        hidden = sorted(
            r
            for r in below
            if any(role not in ctx.exposure(r).roles_with("SELECT") for role in readers)
        )
        how = (
            f"it exposes rows of {', '.join(hidden)}, which {', '.join(readers)} cannot read directly"
            if hidden
            else "everything below it is readable by the same roles anyway"
        )
        f = ctx.finding(
            ID,
            key,
            f"materialized view {key} is readable by {', '.join(readers)} through the API and"
            f" has no row level security: {how}",
            f"REVOKE SELECT ON {quote_qualified(key)} FROM {', '.join(quote_ident(r) for r in readers)};",
            on=key,
        )
        if not hidden and f.severity != "info":
            ctx.capped.add(f.fingerprint)
            f = replace(f, severity="info")
        yield f
