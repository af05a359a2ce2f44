"""Two indexes of a table that are the same index.

## What it does
Reports an index of a table in an exposed schema that has the same method, key
columns, INCLUDE columns, predicate and uniqueness as another index of the same table.
The one reported is the one that backs no constraint (else the later name). Info by
default.

## Why is this bad?
Every write maintains both; the planner uses one. The other costs disk, memory and
write time for nothing.

## Example
```sql
create index orders_org_idx on public.orders (organization_id);
create index orders_organization_id_idx on public.orders (organization_id);
```

## Use instead
```sql
drop index public.orders_organization_id_idx;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch import idents
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident

ID = "duplicate-index"
SEVERITY: Severity = "info"
SUMMARY = "an index duplicates another index of the same table"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.audited:
        table = ctx.tables[key]
        groups: dict[tuple[object, ...], list[str]] = {}
        for name, ix in sorted(table.indexes.items()):
            shape = (ix.method, tuple(ix.columns), tuple(ix.include), ix.predicate, ix.unique)
            groups.setdefault(shape, []).append(name)
        for names in groups.values():
            if len(names) < 2:
                continue
            keep = next((n for n in names if table.indexes[n].constraint), names[0])
            schema = idents.split_key(key)[0]
            for name in names:
                if name == keep or table.indexes[name].constraint:
                    continue
                yield ctx.finding(
                    ID,
                    f"{key}.{name}",
                    f"index {name} on {key} duplicates {keep}",
                    f"DROP INDEX {quote_ident(schema)}.{quote_ident(name)};",
                    on=key,
                )
