"""SECURITY DEFINER function callable by the app roles, or without a pinned search_path.

## What it does
Reports a SECURITY DEFINER function in an exposed schema when an app role (or PUBLIC,
PostgreSQL's default) may execute it, unless it is listed in
`[rules] allow_security_definer`; and, always, when it has no `search_path` set in its
definition.

Severity follows reachability: when no API role can reach the function (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
A SECURITY DEFINER function runs with its owner's rights and bypasses RLS. In an exposed
schema, PostgREST publishes it as `/rpc/<name>`: any caller with EXECUTE can use it to read
or change every tenant's rows. Without a pinned `search_path`, a caller can also shadow the
tables and operators it uses with objects of their own.

## Example
```sql
create function public.search_customers(q text) returns setof public.customers
language sql security definer
as $$ select * from public.customers where first_name ilike q $$;
```

## Use instead
```sql
create function private.search_customers(q text) returns setof public.customers
language sql security invoker set search_path = ''
as $$ select * from public.customers where first_name ilike q $$;
-- or keep DEFINER, pin the path and revoke:
alter function public.search_customers(text) set search_path = '';
revoke execute on function public.search_customers(text) from public, anon, authenticated;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context, glob_match
from driftwatch.sqlexpr import quote_function, quote_ident

ID = "security-definer-function"
SEVERITY: Severity = "warning"
SUMMARY = "a SECURITY DEFINER function in an exposed schema is executable by the app roles, or lacks a pinned search_path"


def check(ctx: Context) -> Iterator[Finding]:
    allowed = ctx.cfg.rules.allow_security_definer
    for key, fn in sorted(ctx.objects.functions.items()):
        if not fn.security_definer or not ctx.exposed(key) or ctx.extension_of(key):
            continue
        problems: list[str] = []
        fixes: list[str] = []
        qf = quote_function(key)
        kind = "PROCEDURE" if fn.kind == "procedure" else "FUNCTION"
        callers = sorted(ctx.exposure(key).roles_with("EXECUTE"))
        public = "EXECUTE" in {p.rstrip("*") for p in fn.grants.get("PUBLIC", ())}
        if (
            callers
            and not glob_match(key, allowed)
            and not glob_match(key.partition("(")[0], allowed)
        ):
            via = " (through PUBLIC)" if public else ""
            problems.append(f"is executable by {', '.join(callers)}{via} and bypasses RLS")
            who = ", ".join(
                ["PUBLIC", *(quote_ident(r) for r in callers)]
                if public
                else [quote_ident(r) for r in callers]
            )
            fixes.append(f"REVOKE EXECUTE ON {kind} {qf} FROM {who};")
        if fn.search_path is None:
            problems.append("has no pinned search_path")
            fixes.append(f"ALTER {kind} {qf} SET search_path = '';")
        if problems:
            yield ctx.finding(
                ID,
                key,
                f"SECURITY DEFINER {kind.lower()} {key} {' and '.join(problems)}",
                "\n".join(fixes),
                on=key,
            )
