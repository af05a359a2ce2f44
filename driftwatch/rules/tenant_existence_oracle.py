"""UNIQUE constraint or foreign key of a tenant table that leaves the tenant column out.

## What it does
Reports, on a tenant table with the tenant column (or the tenancy root), each UNIQUE
constraint or unique index that does not include the tenant column, and each foreign
key to another tenant-scoped table that does not carry the tenant column. Info by
default: the table is correct by the tenancy model; this is about what one tenant can
learn of another.

## Why is this bad?
Constraints are checked without RLS. If `unique (email)` spans every tenant, tenant B
learns that an address exists at some other tenant when its insert fails; a foreign key
on `customer_id` alone lets B test whether a guessed id belongs to any tenant, and even
attach its row to another tenant's customer.

## Example
```sql
create table public.customers (id uuid primary key,
  organization_id uuid not null, email text unique);
```

## Use instead
```sql
alter table public.customers drop constraint customers_email_key,
  add constraint customers_organization_id_email_key unique (organization_id, email);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch import idents
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "tenant-existence-oracle"
SEVERITY: Severity = "info"
SUMMARY = "a UNIQUE constraint or foreign key of a tenant table does not include the tenant column"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.tenant_tables:
        tenant = ctx.tenant_column(key)
        if tenant is None:
            continue
        table = ctx.tables[key]
        qt = quote_qualified(key)
        schema, table_name = idents.split_key(key)
        for name, con in sorted(table.constraints.items()):
            if con.inherited or tenant in con.columns:
                continue
            if con.type == "unique":
                cols = ", ".join(con.columns)
                new = quote_ident(f"{table_name}_{tenant}_{'_'.join(con.columns)}_key"[:63])
                collist = ", ".join(quote_ident(c) for c in (tenant, *con.columns))
                yield ctx.finding(
                    ID,
                    f"{key}.{name}",
                    f"unique constraint {name} on {key} ({cols}) spans every tenant: an insert that"
                    " collides tells one tenant another's value exists",
                    f"ALTER TABLE {qt} DROP CONSTRAINT {quote_ident(name)},"
                    f" ADD CONSTRAINT {new} UNIQUE ({collist});",
                    on=key,
                )
            elif con.type == "foreign_key" and con.references is not None:
                parent = con.references.table
                if parent == key or ctx.scoped_path(parent) is None or ctx.exemption(parent):
                    continue
                yield ctx.finding(
                    ID,
                    f"{key}.{name}",
                    f"foreign key {name} on {key} ({', '.join(con.columns)}) → {parent} does not"
                    f" include {tenant}: a tenant can probe for, and point at, another tenant's rows",
                    f"-- needs UNIQUE ({tenant}, {', '.join(con.references.columns)}) on {parent}\n"
                    f"ALTER TABLE {qt} DROP CONSTRAINT {quote_ident(name)}, ADD CONSTRAINT"
                    f" {quote_ident(name)} FOREIGN KEY ({', '.join(quote_ident(c) for c in (tenant, *con.columns))})"
                    f" REFERENCES {quote_qualified(parent)}"
                    f" ({', '.join(quote_ident(c) for c in (tenant, *con.references.columns))});",
                    on=key,
                )
        for name, ix in sorted(table.indexes.items()):
            # constraint-backed unique indexes were judged as constraints above
            if not ix.unique or ix.primary or ix.constraint or tenant in ix.columns:
                continue
            yield ctx.finding(
                ID,
                f"{key}.{name}",
                f"unique index {name} on {key} ({', '.join(ix.columns)}) spans every tenant: an"
                " insert that collides tells one tenant another's value exists",
                f"DROP INDEX {quote_ident(schema)}.{quote_ident(name)};\n"
                f"CREATE UNIQUE INDEX {quote_ident(name)} ON {qt}"
                f" ({', '.join(quote_ident(c) for c in (tenant, *ix.columns))});",
                on=key,
            )
