"""User function marked LEAKPROOF.

## What it does
Reports a function of the snapshot (extension-owned ones left out) declared `LEAKPROOF`
that an API role can execute.

## Why is this bad?
The planner may evaluate a LEAKPROOF function on rows *before* the security barrier of
row level security policies and `security_barrier` views filters them. If it can reveal
its arguments (an error message, a notice, a side effect, timing), it reveals other
tenants' values. Only a superuser can mark a function LEAKPROOF, and PostgreSQL's own
leakproof functions are audited for this; a user function rarely is.

## Example
```sql
create function public.same_org(a uuid, b uuid) returns boolean
language sql immutable leakproof as $$ select a = b $$;
```

## Use instead
```sql
alter function public.same_org(uuid, uuid) not leakproof;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_function

ID = "leakproof-function"
SEVERITY: Severity = "warning"
SUMMARY = "a user function is marked LEAKPROOF and the API roles can execute it"


def check(ctx: Context) -> Iterator[Finding]:
    for key, fn in sorted(ctx.objects.functions.items()):
        if not fn.leakproof or ctx.extension_of(key):
            continue
        yield ctx.finding(
            ID,
            key,
            f"function {key} is LEAKPROOF: it may see rows before row level security filters"
            " them, and anything it reveals about its arguments leaks other tenants' values",
            f"ALTER FUNCTION {quote_function(key)} NOT LEAKPROOF;",
            on=key,
        )
