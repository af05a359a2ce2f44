"""The tenant column is not the leading column of any index.

## What it does
Reports a table whose tenant column (`organization_id` by default) is not the first key
column of any valid index (a partial index counts; an index where the column comes second
does not).

Severity follows reachability: when no API role can reach the table (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
Every policy filters on the tenant column. Without an index leading with it, each query
through RLS scans the whole table, every tenant's rows included: fast in development,
a timeout in production.

## Example
```sql
create index social_mentions_created_at_idx on public.social_mentions (created_at);
```

## Use instead
```sql
create index social_mentions_organization_id_idx on public.social_mentions (organization_id);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch import idents
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "tenant-column-unindexed"
SEVERITY: Severity = "warning"
SUMMARY = "the tenant column is not the leading column of any index"


def check(ctx: Context) -> Iterator[Finding]:
    col = ctx.tenancy.column
    for key in ctx.tenant_tables:
        table = ctx.tables[key]
        if ctx.is_root(key) or col not in table.columns:
            continue
        if any(ix.valid and ix.columns and ix.columns[0] == col for ix in table.indexes.values()):
            continue
        name = idents.split_key(key)[1]
        ix_name = quote_ident(f"{name}_{col}_idx"[:63])
        concurrently = "" if table.kind == "partitioned" else " CONCURRENTLY"
        yield ctx.finding(
            ID,
            f"{key}.{col}",
            f"{key}.{col} is not the leading column of any index: every RLS check scans the table",
            f"CREATE INDEX{concurrently} {ix_name} ON {quote_qualified(key)} ({quote_ident(col)});",
            on=key,
        )
