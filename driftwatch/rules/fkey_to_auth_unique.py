"""Foreign key to a UNIQUE column of an `auth` table that is not its primary key.

## What it does
Reports a foreign key of a table in an exposed schema that references a table of the
`auth` schema on columns other than that table's primary key (for example
`auth.users (email)`). When the `auth` table is not in the snapshot (Supabase's managed
schemas are left out by default), its primary key is taken to be `id`, as it is for
every table Supabase Auth creates.

## Why is this bad?
The `auth` schema belongs to the platform: Supabase Auth changes its unique
constraints and indexes across versions. A foreign key needs the referenced unique
index, so an upgrade either fails or has to drop it; and e-mail or phone values change,
while the user's `id` does not.

## Example
```sql
create table public.profiles (
  email text references auth.users (email), full_name text);
```

## Use instead
```sql
create table public.profiles (
  user_id uuid primary key references auth.users (id) on delete cascade, full_name text);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch import idents
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "fkey-to-auth-unique"
SEVERITY: Severity = "warning"
SUMMARY = "a foreign key references a UNIQUE, non-primary-key column of an auth table"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.audited:
        table = ctx.tables[key]
        for name, con in sorted(table.constraints.items()):
            ref = con.references
            if con.type != "foreign_key" or ref is None or con.inherited:
                continue
            if idents.split_key(ref.table)[0] != "auth":
                continue
            pk = ctx.primary_key(ref.table) if ref.table in ctx.tables else ("id",)
            if tuple(ref.columns) == tuple(pk):
                continue
            qt = quote_qualified(key)
            cols = ", ".join(ref.columns)
            yield ctx.finding(
                ID,
                f"{key}.{name}",
                f"foreign key {name} on {key} references {ref.table} ({cols}), a unique key of"
                f" the platform's auth schema, not its primary key ({', '.join(pk)})",
                f"ALTER TABLE {qt} DROP CONSTRAINT {quote_ident(name)};\n"
                f"-- then reference {ref.table} ({', '.join(pk)}) from a column of that type",
                on=key,
            )
