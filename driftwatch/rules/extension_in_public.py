"""Extension installed in a schema the API exposes.

## What it does
Reports an extension whose schema is exposed to the API (`public`, or a schema of
`[tenancy] exposed_schemas` / `pgrst.db_schemas`). The finding's object is the
extension's name. It is a **warning** when the extension puts tables or views there
(e.g. PostGIS's `spatial_ref_sys`, `pg_stat_statements`: extensions grant SELECT on them
to PUBLIC), **info** when it only adds functions and types.

## Why is this bad?
Everything an extension creates lands beside the app's tables: its functions become
`/rpc` endpoints, its tables and views API resources without RLS, and its names can
shadow or be shadowed by the app's own. Supabase installs extensions in `extensions`.

## Example
```sql
create extension pg_stat_statements;  -- into public
```

## Use instead
```sql
create schema if not exists extensions;
alter extension pg_stat_statements set schema extensions;
```
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident

ID = "extension-in-public"
SEVERITY: Severity = "warning"
SUMMARY = "an extension is installed in a schema exposed to the API"

_BUILT_IN = frozenset({"plpgsql"})


def check(ctx: Context) -> Iterator[Finding]:
    for name, ext in sorted(ctx.objects.extensions.items()):
        if name in _BUILT_IN or ext.schema not in ctx.exposed_schemas:
            continue
        o = ctx.objects
        # members without an argument list are relations; an extension's own relations
        # are not snapshotted with their grants (extensions usually grant SELECT to PUBLIC)
        relations = sorted(m for m in ext.members if "(" not in m)
        readable = [
            m
            for m in relations
            if not (m in o.tables or m in o.views or m in o.materialized_views)
            or ctx.exposure(m).roles_with("SELECT")
        ]
        what = (
            f"its relations {', '.join(readable)} are API resources without RLS"
            if readable
            else "its functions and types sit beside the app's objects"
        )
        f = ctx.finding(
            ID,
            name,
            f"extension {name} is installed in exposed schema {ext.schema}: {what}",
            "CREATE SCHEMA IF NOT EXISTS extensions;\n"
            f"ALTER EXTENSION {quote_ident(name)} SET SCHEMA extensions;",
        )
        if not readable and f.severity != "info":
            ctx.capped.add(f.fingerprint)
            f = replace(f, severity="info")
        yield f
