"""Foreign key without an index on its columns.

## What it does
Reports a foreign key of a table in an exposed schema when no index of that table
starts with the key's columns (in any order). The tenant column alone is left to
`tenant-column-unindexed`. Info by default: a performance lint.

## Why is this bad?
Every DELETE of a parent row, and every UPDATE of its key, scans the child table for
referencing rows; joins along the key (and policies with `EXISTS` over it) cannot use an
index either. On a big child table this is where the time of a delete goes.

## Example
```sql
create table public.order_items (id uuid primary key,
  order_id uuid not null references public.orders (id), qty int);
```

## Use instead
```sql
create index order_items_order_id_idx on public.order_items (order_id);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch import idents
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "unindexed-foreign-key"
SEVERITY: Severity = "info"
SUMMARY = "a foreign key's columns do not lead any index of the table"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.audited:
        table = ctx.tables[key]
        heads = [tuple(ix.columns) for ix in table.indexes.values() if ix.valid]
        tenant = ctx.tenant_column(key)
        for name, con in sorted(table.constraints.items()):
            if con.type != "foreign_key" or con.inherited or not con.columns:
                continue
            cols = tuple(con.columns)
            if cols == (tenant,):
                continue
            if any(set(h[: len(cols)]) == set(cols) for h in heads):
                continue
            index = quote_ident(f"{idents.split_key(key)[1]}_{'_'.join(cols)}_idx"[:63])
            collist = ", ".join(quote_ident(c) for c in cols)
            yield ctx.finding(
                ID,
                f"{key}.{name}",
                f"foreign key {name} on {key} ({', '.join(cols)}) has no index starting with its"
                " columns: deletes of the referenced rows scan the table",
                f"CREATE INDEX {index} ON {quote_qualified(key)} ({collist});",
                on=key,
            )
