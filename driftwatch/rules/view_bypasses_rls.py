"""View (or materialized view) readable by the app roles that bypasses RLS.

## What it does
Reports a view in an exposed schema that is not `security_invoker`, reads (directly or
through other views) a table with RLS enabled, and on which an app role (or PUBLIC) holds
SELECT. Materialized views are reported too: they store rows and have no RLS at all.

Severity follows reachability: when no API role can reach the view (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
A view runs with its owner's privileges, and the owner (usually `postgres`) bypasses RLS.
Anyone who can select from the view sees every tenant's rows of the tables below it.

## Example
```sql
create view public.order_revenue_by_customer as
  select o.organization_id, sum(o.grand_total) from public.orders o group by 1;
grant select on public.order_revenue_by_customer to authenticated;
```

## Use instead
```sql
alter view public.order_revenue_by_customer set (security_invoker = true);  -- PostgreSQL 15+
-- or: revoke select on public.order_revenue_by_customer from authenticated, anon;
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pglast import ast

from driftwatch import model
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import parse_query, quote_ident, quote_qualified, walk

ID = "view-bypasses-rls"
SEVERITY: Severity = "error"
SUMMARY = "a view without security_invoker reads RLS tables and is readable by the app roles"


def _relations(definition: str) -> set[str]:
    tree = parse_query(definition)
    if tree is None:
        return set()
    out = set()
    ctes = {n.ctename for n in walk(tree) if isinstance(n, ast.CommonTableExpr)}
    for n in walk(tree):
        if isinstance(n, ast.RangeVar):
            if n.schemaname:
                out.add(f"{n.schemaname}.{n.relname}")
            elif n.relname not in ctes:
                out.add(f"public.{n.relname}")
    return out


def _rls_tables(ctx: Context, key: str, seen: set[str]) -> set[str]:
    if key in seen:
        return set()
    seen.add(key)
    view = ctx.objects.views.get(key) or ctx.objects.materialized_views.get(key)
    if view is None:
        return set()
    out = set()
    for rel in _relations(view.definition):
        t = ctx.tables.get(rel)
        if t is not None:
            if t.rls.enabled:
                out.add(rel)
        else:
            out |= _rls_tables(ctx, rel, seen)
    return out


def check(ctx: Context) -> Iterator[Finding]:
    kinds: tuple[tuple[str, Mapping[str, model.View | model.MaterializedView]], ...] = (
        ("view", ctx.objects.views),
        ("materialized view", ctx.objects.materialized_views),
    )
    for kind, objs in kinds:
        for key, view in sorted(objs.items()):
            if not ctx.exposed(key) or getattr(view, "security_invoker", False):
                continue
            if ctx.extension_of(key) is not None:
                continue
            readers = sorted(ctx.exposure(key).roles_with("SELECT"))
            if not readers:
                continue
            below = _rls_tables(ctx, key, set())
            if not below:
                continue
            qv = quote_qualified(key)
            who = ", ".join(quote_ident(r) for r in readers)
            revoke = f"REVOKE SELECT ON {qv} FROM {who};"
            if kind == "view":
                fix = f"ALTER VIEW {qv} SET (security_invoker = true);\n-- or:\n{revoke}"
                how = "runs with its owner's rights"
            else:
                fix = revoke
                how = "stores rows without any RLS"
            yield ctx.finding(
                ID,
                key,
                f"{kind} {key} {how} and is readable by {', '.join(readers)}: it exposes every"
                f" tenant's rows of {', '.join(sorted(below))}",
                fix,
                on=key,
            )
