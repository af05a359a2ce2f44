"""Row level security enabled but no policy at all.

## What it does
Reports a table in an exposed schema that has RLS enabled and not a single policy.
Partitions are skipped: they are reached through their partitioned parent, whose policies
apply.

Severity follows reachability: when no API role can reach the table (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
With RLS on and no policy, PostgreSQL denies every row to every role except the owner and
roles with BYPASSRLS. The table is not leaking, but the application is silently denied
everything: usually a sign that policies were dropped in a migration and not recreated.

## Example
```sql
alter table public.competition_alerts enable row level security;
-- every policy dropped
```

## Use instead
```sql
create policy competition_alerts_select on public.competition_alerts
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
-- … and one per command the app needs
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._remedy import tenant_policies
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "rls-no-policies"
SEVERITY: Severity = "warning"
SUMMARY = "RLS on, no policy at all (everything denied)"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.audited:
        table = ctx.tables[key]
        if not table.rls.enabled or table.policies:
            continue
        privs = ctx.api_privileges(key)
        cmds = tuple(
            c
            for c in ("SELECT", "INSERT", "UPDATE", "DELETE")
            if any(c in p for p in privs.values())
        ) or ("SELECT", "INSERT", "UPDATE", "DELETE")
        who = ", ".join(sorted(privs)) or "every API role"
        fix = tenant_policies(ctx, key, cmds) if ctx.exemption(key) is None else ""
        if privs:
            revoke = f"REVOKE ALL ON {quote_qualified(key)} FROM {', '.join(quote_ident(r) for r in sorted(privs))};"
            fix = (
                f"{fix}\n-- or, if only the backend (service_role) uses it:\n{revoke}"
                if fix
                else revoke
            )
        yield ctx.finding(
            ID,
            key,
            f"{key} has row level security enabled but no policies: {who} "
            f"{'is' if len(privs) == 1 else 'are'} denied every row",
            fix,
            on=key,
        )
