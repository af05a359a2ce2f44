"""Several permissive policies for the same role and command.

## What it does
Reports a table in an exposed schema where more than one permissive policy applies to the
same app role and command (a `FOR ALL` or `TO public` policy counts for every command or
role it covers).

Severity follows reachability: when that role cannot reach the table (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
Permissive policies are OR-ed, and PostgreSQL evaluates every one of them for every row:
slower queries, and the effective rule is spread over several places, so loosening one
silently loosens the table. Fold the conditions into one policy, or make the extra
conditions RESTRICTIVE.

## Example
```sql
create policy inventory_items_select on public.inventory_items for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy inventory_items_select_active on public.inventory_items for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid and is_active);
```

## Use instead
```sql
drop policy inventory_items_select_active on public.inventory_items;
-- or keep one permissive policy and express extra conditions AS RESTRICTIVE
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._tenancy import COMMANDS
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "multiple-permissive-policies"
SEVERITY: Severity = "warning"
SUMMARY = "several permissive policies for one role and command"


def check(ctx: Context) -> Iterator[Finding]:
    app_roles = ctx.app_roles
    for key in ctx.audited:
        table = ctx.tables[key]
        if len(table.policies) < 2:
            continue
        applying: dict[tuple[str, str], list[str]] = {}
        for name, pol in ctx.policies(key):
            if not pol.permissive:
                continue
            roles = app_roles if "public" in pol.roles else [r for r in app_roles if r in pol.roles]
            cmds = COMMANDS if pol.command == "ALL" else (pol.command,)
            for role in roles:
                for cmd in cmds:
                    applying.setdefault((role, cmd), []).append(name)
        for role in app_roles:
            for cmd in COMMANDS:
                names = applying.get((role, cmd), [])
                if len(names) < 2:
                    continue
                drops = "\n".join(
                    f"-- DROP POLICY {quote_ident(n)} ON {quote_qualified(key)};" for n in names[1:]
                )
                yield ctx.finding(
                    ID,
                    key,
                    f"{key} has {len(names)} permissive {cmd} policies for {role}: {', '.join(names)}",
                    "Merge them into one policy (OR the conditions), or turn the extra conditions"
                    f" into AS RESTRICTIVE policies, then drop the rest:\n{drops}",
                    detail=f"{role}:{cmd}",
                    on=key,
                    roles=(role,),
                )
