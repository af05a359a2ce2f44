"""The tenant column allows NULL.

## What it does
Reports a table whose tenant column (`organization_id` by default) is nullable.

Severity follows reachability: when no API role can reach the table (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
A row with a NULL tenant belongs to no organization: `organization_id = <claim>` never
matches it, so it is invisible to everyone, and any policy written as `organization_id is
null or …` to "fix" that exposes it to everyone. It is also a sign the column is not
filled in by every code path.

## Example
```sql
create table public.lead_scores (
  id uuid primary key,
  organization_id uuid references public.organizations (id)
);
```

## Use instead
```sql
alter table public.lead_scores alter column organization_id set not null;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "tenant-column-nullable"
SEVERITY: Severity = "warning"
SUMMARY = "the tenant column allows NULL"


def check(ctx: Context) -> Iterator[Finding]:
    col = ctx.tenancy.column
    for key in ctx.tenant_tables:
        if ctx.is_root(key):
            continue
        c = ctx.tables[key].columns.get(col)
        if c is None or not c.nullable:
            continue
        yield ctx.finding(
            ID,
            f"{key}.{col}",
            f"{key}.{col} allows NULL: rows without a tenant are possible",
            f"-- backfill or delete rows where {quote_ident(col)} IS NULL first\n"
            f"ALTER TABLE {quote_qualified(key)} ALTER COLUMN {quote_ident(col)} SET NOT NULL;",
            on=key,
        )
