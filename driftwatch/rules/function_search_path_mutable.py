"""Function in an exposed schema without a pinned `search_path`.

## What it does
Reports a SQL or PL/pgSQL function (or procedure) in a schema the API exposes whose
definition does not set `search_path` (`set search_path = ''` or a fixed list passes).
SECURITY DEFINER functions are reported by `security-definer-function`, which covers
the same problem with more at stake; extension-owned functions are left out.

## Why is this bad?
Without a pinned `search_path`, every unqualified name in the body (tables, functions,
operators) is looked up in the caller's path. A caller who can create objects in a
schema earlier in that path, or set `search_path` for the session, makes the function
call their code instead of yours, inside triggers and policies too.

Planting such a name takes CREATE on a schema: when no API role holds it anywhere (a stock
Supabase project since PostgreSQL 15), the finding is info, hygiene rather than a hole.

## Example
```sql
create function public.touch() returns trigger language plpgsql
as $$ begin new.updated_at := now(); return new; end $$;
```

## Use instead
```sql
alter function public.touch() set search_path = '';  -- and qualify names in the body
```
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_function

ID = "function-search-path-mutable"
SEVERITY: Severity = "warning"
SUMMARY = "a SQL or PL/pgSQL function in an exposed schema has no pinned search_path"

_LANGUAGES = frozenset({"sql", "plpgsql"})


def _creators(ctx: Context) -> list[str]:
    """``role on schema`` for each API role that can CREATE in a schema (directly, through
    PUBLIC or a role it inherits): who could plant an object in a caller's path."""
    out = []
    for name, schema in sorted(ctx.objects.schemas.items()):
        for role in ctx.app_roles:
            holders = ctx.exposures.inherited(role) | {"PUBLIC"}
            if any(
                "CREATE" in p or "CREATE*" in p for r, p in schema.grants.items() if r in holders
            ):
                out.append(f"{role} on {name}")
    return out


def check(ctx: Context) -> Iterator[Finding]:
    creators = _creators(ctx)
    for key, fn in sorted(ctx.objects.functions.items()):
        if (
            not ctx.exposed(key)
            or fn.security_definer
            or fn.language not in _LANGUAGES
            or fn.kind not in ("function", "procedure")
            or fn.search_path is not None
            or ctx.extension_of(key)
        ):
            continue
        kind = "PROCEDURE" if fn.kind == "procedure" else "FUNCTION"
        f = ctx.finding(
            ID,
            key,
            f"{fn.kind} {key} has no pinned search_path: the names in its body resolve in"
            " the caller's search_path",
            f"ALTER {kind} {quote_function(key)} SET search_path = '';",
            on=key,
        )
        if creators:
            f = replace(f, message=f"{f.message} (CREATE held by {', '.join(creators)})")
        elif f.severity != "info":  # nobody can plant a name: hygiene, not a hole
            ctx.capped.add(f.fingerprint)
            f = replace(
                f,
                severity="info",
                message=f"{f.message} (info only: no API role can CREATE in any schema, so"
                " none can plant a name in the path)",
            )
        yield f
