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

from driftwatch.findings import Finding
from driftwatch.rules._context import Context
from driftwatch.rules._sql import quote_function

ID = "function-search-path-mutable"
SEVERITY = "warning"
SUMMARY = "a SQL or PL/pgSQL function in an exposed schema has no pinned search_path"

_LANGUAGES = frozenset({"sql", "plpgsql"})


def check(ctx: Context) -> Iterator[Finding]:
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
        yield ctx.finding(
            ID,
            key,
            f"{fn.kind} {key} has no pinned search_path: the names in its body resolve in"
            " the caller's search_path",
            f"ALTER {kind} {quote_function(key)} SET search_path = '';",
            on=key,
        )
