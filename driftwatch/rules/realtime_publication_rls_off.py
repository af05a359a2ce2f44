"""Table in the `supabase_realtime` publication with row level security off.

## What it does
Reports a table published by `supabase_realtime` (listed, in a published schema, or
`FOR ALL TABLES`) that has row level security off, when an API role can select from it.
A tenant table is an error; a table exempt from tenancy (`[tenancy] exempt`: global by
design) is info.

## Why is this bad?
Supabase Realtime streams every change of a published table to subscribed clients and
filters the changes with the subscriber's RLS. With RLS off there is nothing to filter
with: a client listening to the table receives every tenant's inserts, updates and
deletes.

## Example
```sql
alter publication supabase_realtime add table public.messages;  -- RLS off on messages
```

## Use instead
```sql
alter table public.messages enable row level security;  -- with tenant policies
-- or: alter publication supabase_realtime drop table public.messages;
```
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from driftwatch import idents
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_qualified

ID = "realtime-publication-rls-off"
SEVERITY: Severity = "error"
SUMMARY = "a table in the supabase_realtime publication has RLS off"

PUBLICATION = "supabase_realtime"


def check(ctx: Context) -> Iterator[Finding]:
    pub = ctx.objects.publications.get(PUBLICATION)
    if pub is None:
        return
    for key, table in sorted(ctx.tables.items()):
        if table.rls.enabled or table.kind == "foreign":
            continue
        if not (pub.all_tables or key in pub.tables or idents.split_key(key)[0] in pub.schemas):
            continue
        readers = sorted(ctx.exposure(key).roles_with("SELECT"))
        qt = quote_qualified(key)
        f = ctx.finding(
            ID,
            key,
            f"{key} is in the {PUBLICATION} publication with row level security off: clients"
            f" subscribed to it receive every row's changes"
            + (f" ({', '.join(readers)} can subscribe)" if readers else ""),
            f"ALTER TABLE {qt} ENABLE ROW LEVEL SECURITY;\n-- or:\n"
            f"ALTER PUBLICATION {PUBLICATION} DROP TABLE {qt};",
            on=key,
            roles=readers or None,
        )
        if ctx.exemption(ctx.effective_table(key)) is not None and f.severity != "info":
            ctx.capped.add(f.fingerprint)
            f = replace(
                f, severity="info", message=f.message + " (exempt from tenancy: global by design)"
            )
        yield f
