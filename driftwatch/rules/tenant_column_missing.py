"""Table with no tenant column and no NOT NULL foreign-key path to a tenant-scoped table.

## What it does
Reports a table in an exposed schema (not exempt) that has no tenant column
(`organization_id` by default) and cannot reach a table that has one through a chain of
NOT NULL foreign keys (child → parent → grandparent …). A nullable foreign key does not
count: a row whose key is NULL belongs to nobody. Not reported: the tenant root (the
configured `root_table` and every table the tenant column's foreign keys reference, e.g.
`basejump.accounts` for `account_id`), and per-user tables whose RLS policies all bind
rows to the caller (`profiles` with `using (id = auth.uid())`).

Severity follows reachability: when no API role can reach the table (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
Nothing in the data says which organization a row belongs to, so no policy can isolate it:
such tables end up with policies like `auth.uid() is not null`, which admit every tenant.

## Example
```sql
create table public.webhook_deliveries (
  id uuid primary key,
  payload jsonb not null
);
```

## Use instead
```sql
create table public.webhook_deliveries (
  id uuid primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  payload jsonb not null
);
```
Genuinely global tables (plans, feature flags) belong in `[tenancy] exempt`, with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "tenant-column-missing"
SEVERITY: Severity = "error"
SUMMARY = "a table has no tenant column and no NOT NULL foreign-key path to a tenant-scoped parent"


def check(ctx: Context) -> Iterator[Finding]:
    col = ctx.tenancy.column
    roots = sorted(ctx.root_tables)
    for key in ctx.tenant_tables:
        if ctx.is_root(key) or ctx.scoped_path(key) is not None or ctx.analyser.per_user(key):
            continue
        nullable = [
            link
            for link in ctx.foreign_links(key)
            if not link.not_null
            and link.parent in ctx.tables
            and ctx.scoped_path(link.parent) is not None
        ]
        qt = quote_qualified(key)
        if nullable:
            link = nullable[0]
            cols = ", ".join(link.columns)
            msg = (
                f"{key} has no {col} column and its foreign key {link.name} ({cols} → {link.parent})"
                f" is nullable, so a row need not belong to any tenant"
            )
            fix = "\n".join(
                f"ALTER TABLE {qt} ALTER COLUMN {quote_ident(c)} SET NOT NULL;"
                for c in link.columns
            )
        else:
            msg = f"{key} has no {col} column and no NOT NULL foreign key to a tenant-scoped table"
            ref = f" REFERENCES {quote_qualified(roots[0])} ON DELETE CASCADE" if roots else ""
            ix = quote_ident(f"{key.partition('.')[2]}_{col}_idx"[:63])
            fix = (
                f"ALTER TABLE {qt} ADD COLUMN {quote_ident(col)} uuid NOT NULL{ref};\n"
                f"CREATE INDEX {ix} ON {qt} ({quote_ident(col)});\n"
                f'-- or, for a global table: [tenancy] exempt = [{{ table = "{key}", reason = "…" }}]'
            )
        yield ctx.finding(ID, key, msg, fix, on=key)
