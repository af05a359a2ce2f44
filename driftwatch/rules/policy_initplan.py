"""`auth.jwt()` / `auth.uid()` evaluated once per row instead of once per query.

## What it does
Reports a policy of a table in an exposed schema that calls `auth.jwt()`, `auth.uid()`,
`auth.role()`, `auth.email()`, `current_setting()` (or a function of the configured claim)
outside a scalar `(select …)`. Informational.

## Why is this bad?
A bare call is evaluated for every row the query touches. Wrapped in `(select …)`,
PostgreSQL runs it once as an *initplan* and reuses the value: on large tables this is the
difference between a fast index scan and a query that times out.

## Example
```sql
create policy whatsapp_templates_select on public.whatsapp_templates for select to authenticated
  using (organization_id = (auth.jwt() -> 'app_metadata' ->> 'organization_id')::uuid);
```

## Use instead
```sql
create policy whatsapp_templates_select on public.whatsapp_templates for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._remedy import wrap_calls
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "policy-initplan"
SEVERITY: Severity = "info"
SUMMARY = "auth.jwt()/auth.uid() called per row, not wrapped in (select …)"


def check(ctx: Context) -> Iterator[Finding]:
    an = ctx.analyser
    for key in ctx.audited:
        for name, pol in ctx.policies(key):
            calls = sorted(set(an.per_row_calls(pol.using)) | set(an.per_row_calls(pol.with_check)))
            if not calls:
                continue
            listed = ", ".join(f"{c}()" for c in calls)
            clauses = " ".join(
                f"{clause} ({wrap_calls(ctx, text)})"
                for clause, text in (("USING", pol.using), ("WITH CHECK", pol.with_check))
                if text is not None and an.per_row_calls(text)
            )
            yield ctx.finding(
                ID,
                f"{key}.{name}",
                f"policy {name} on {key} calls {listed} once per row; wrap "
                f"{'it' if len(calls) == 1 else 'them'} in (select …) to evaluate once per statement",
                f"ALTER POLICY {quote_ident(name)} ON {quote_qualified(key)} {clauses};",
                on=key,
            )
