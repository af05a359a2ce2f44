"""Table without a primary key.

## What it does
Reports a table (or partitioned table) of an exposed schema that has no primary key.
Info by default.

## Why is this bad?
Without a key, a row cannot be addressed reliably: the API cannot update or delete one
row, logical replication (and so Supabase Realtime) cannot publish UPDATE and DELETE for
the table, and duplicates creep in.

## Example
```sql
create table public.events (organization_id uuid not null, payload jsonb);
```

## Use instead
```sql
alter table public.events add column id uuid primary key default gen_random_uuid();
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "no-primary-key"
SEVERITY: Severity = "info"
SUMMARY = "a table in an exposed schema has no primary key"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.audited:
        table = ctx.tables[key]
        if ctx.primary_key(key):
            continue
        qt = quote_qualified(key)
        unique = [
            con.columns
            for _, con in sorted(table.constraints.items())
            if con.type == "unique"
            and con.columns
            and all(not table.columns[c].nullable for c in con.columns if c in table.columns)
        ]
        if unique:
            fix = f"ALTER TABLE {qt} ADD PRIMARY KEY ({', '.join(quote_ident(c) for c in unique[0])});"
        elif table.kind == "partitioned":
            fix = (
                f"-- a partitioned table's key must include its partition key ({table.partition_key})\n"
                f"ALTER TABLE {qt} ADD PRIMARY KEY (<columns>);"
            )
        else:
            fix = f"ALTER TABLE {qt} ADD COLUMN id uuid PRIMARY KEY DEFAULT gen_random_uuid();"
        yield ctx.finding(ID, key, f"table {key} has no primary key", fix, on=key)
