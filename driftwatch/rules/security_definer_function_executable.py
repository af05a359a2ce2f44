"""SECURITY DEFINER function that reads tenant tables and is executable by anon.

## What it does
Reports a SECURITY DEFINER function in an exposed schema that the `anon` role can
execute through the API (directly, through PUBLIC, PostgreSQL's default, or a role it
inherits) and whose body reads a tenant table (found by parsing the SQL or PL/pgSQL body
with pglast). A predicate (a function returning `boolean`, such as the membership helpers
policies call: `has_role_on_account(account_id)`) is left out: it answers yes or no and
hands no row to its caller; so is a helper that the policies are proved to scope the
tenant through (its body binds the caller: `select account_id from memberships where
user_id = auth.uid()`). Functions in `[rules] allow_security_definer` are left out. The general
case (any app role, any body) is `security-definer-function`, a warning; this is the
case that is an error.

## Why is this bad?
PostgREST publishes the function as `/rpc/<name>`, callable with the public anon key and
no sign-in. It runs with its owner's rights, so RLS does not apply inside it: whatever
tenant rows it reads, an anonymous caller gets.

## Example
```sql
create function public.find_customer(q text) returns setof public.customers
language sql security definer set search_path = ''
as $$ select * from public.customers where email = q $$;
```

## Use instead
```sql
revoke execute on function public.find_customer(text) from public, anon;
grant execute on function public.find_customer(text) to authenticated;
-- and filter by the caller's tenant inside, or make it security invoker
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context, glob_match
from driftwatch.rules._reads import function_reads
from driftwatch.sqlexpr import quote_function

ID = "security-definer-function-executable"
SEVERITY: Severity = "error"
SUMMARY = "a SECURITY DEFINER function that reads tenant tables is executable by anon"

ANON = "anon"


def check(ctx: Context) -> Iterator[Finding]:
    if ANON not in ctx.app_roles:
        return
    allowed = ctx.cfg.rules.allow_security_definer
    tenant = set(ctx.tenant_tables)
    proved = set(ctx.analyser.evidence())  # helpers policies are proved through
    for key, fn in sorted(ctx.objects.functions.items()):
        if not fn.security_definer or not ctx.exposed(key) or ctx.extension_of(key):
            continue
        if glob_match(key, allowed) or glob_match(key.partition("(")[0], allowed):
            continue
        if not ctx.exposure(key).can(ANON, "EXECUTE"):
            continue
        if (fn.returns or "").strip() == "boolean":  # a predicate: no row reaches the caller
            continue
        if {f"helper:{key}", f"helper1:{key}"} & proved:  # a caller-bound membership helper
            continue
        reads = sorted(r for r in function_reads(ctx, fn) if ctx.effective_table(r) in tenant)
        if not reads:
            continue
        kind = "PROCEDURE" if fn.kind == "procedure" else "FUNCTION"
        yield ctx.finding(
            ID,
            key,
            f"SECURITY DEFINER {fn.kind} {key} reads tenant tables {', '.join(reads)} with its"
            " owner's rights (no RLS) and anon can call it through /rpc without signing in",
            f"REVOKE EXECUTE ON {kind} {quote_function(key)} FROM PUBLIC, anon;",
            on=key,
            roles=(ANON,),
        )
