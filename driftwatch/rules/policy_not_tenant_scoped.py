"""Permissive policy that does not confine rows to the caller's tenant.

## What it does
Parses every permissive policy (USING and WITH CHECK) of a tenant table with the
PostgreSQL parser and checks that every path through the boolean expression requires the
tenant column to equal the JWT claim: directly (`organization_id = <claim>`, either operand
order, any casts, with or without the `(select …)` wrapper, AND-ed with anything), through
a configured trusted helper function, or through a parent row
(`EXISTS (SELECT 1 FROM parent p WHERE p.id = child.parent_id AND p.organization_id = <claim>)`,
followed through grandchildren). A scoped RESTRICTIVE policy for the same role and
command makes a permissive one safe.

Severity follows reachability: when none of the policy's roles can reach the table
(see the exposure model in the rule catalog's README), the finding is `info` and its
message says why.

## Why is this bad?
Permissive policies are OR-ed: one policy that admits `true`, `… OR true`,
`organization_id IS NOT NULL`, another column, or `TO anon USING (true)` opens every
tenant's rows to every caller, whatever the other policies say.

## Example
```sql
create policy chats_select on public.chats for select to authenticated using (true);
create policy lead_activities_select on public.lead_activities for select to authenticated
  using (organization_id is not null);
```

## Use instead
```sql
create policy chats_select on public.chats for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding
from driftwatch.rules._context import Context
from driftwatch.rules._remedy import predicate
from driftwatch.rules._sql import quote_ident, quote_qualified

ID = "policy-not-tenant-scoped"
SEVERITY = "error"
SUMMARY = "a permissive policy does not constrain the tenant column to the JWT claim"


def check(ctx: Context) -> Iterator[Finding]:
    an = ctx.analyser
    for key in ctx.tenant_tables:
        table = ctx.tables[key]
        target = ctx.tenant_column(key) or "the tenant (directly or through a parent row)"
        for name, pol in ctx.policies(key):
            if not pol.permissive:
                continue
            bad = an.unscoped(key, name, pol)
            if not bad:
                continue
            roles = ", ".join(ctx.app_roles_of(pol))
            parts = "; ".join(f"{clause} admits `{v.culprit}`" for clause, v in bad)
            msg = (
                f"policy {name} on {key} ({pol.command} to {roles}) does not constrain "
                f"{target} to the claim: {parts}"
            )
            pred = predicate(ctx, key)
            api = ctx.app_roles_of(pol)
            if api and set(api) <= ctx.exposures.anon_roles:
                fix = (
                    f"DROP POLICY {quote_ident(name)} ON {quote_qualified(key)};\n"
                    f"-- {', '.join(api)} carries no tenant claim: no anonymous request can be"
                    " scoped to a tenant"
                )
            elif pred is not None:
                clauses = []
                for clause, _v in bad:
                    clauses.append(
                        f"USING ({pred})" if clause == "USING" else f"WITH CHECK ({pred})"
                    )
                fix = f"ALTER POLICY {quote_ident(name)} ON {quote_qualified(key)} {' '.join(clauses)};"
            else:
                fix = (
                    f"-- {key} has no {ctx.tenancy.column} column and no NOT NULL foreign key to a"
                    f" tenant-scoped table: add one (see tenant-column-missing), then scope {name}."
                )
            if not table.rls.enabled:
                msg += " (RLS is disabled on the table, see rls-disabled)"
            yield ctx.finding(
                ID,
                f"{key}.{name}",
                msg,
                fix,
                detail=",".join(c for c, _ in bad),
                on=key,
                roles=ctx.app_roles_of(pol),
            )
