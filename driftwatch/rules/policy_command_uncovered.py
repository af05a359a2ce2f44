"""A command the app role may run has no permissive policy.

## What it does
For each table in an exposed schema with RLS enabled and at least one policy, and each app
role holding a privilege on it (SELECT, INSERT, UPDATE or DELETE, granted directly or to
PUBLIC), reports the commands for which no permissive policy applies to that role (a
policy `FOR ALL` or `TO public` counts). Tables with no policy at all are left to
`rls-no-policies`.

## Why is this bad?
The grant says the app may run the command but RLS denies every row: the feature is broken
(a DELETE that silently deletes nothing), or the gap is closed later in a hurry with an
unscoped policy. Either revoke the privilege or add a tenant-scoped policy.

## Example
```sql
grant select, insert, update, delete on public.order_discounts to authenticated;
create policy order_discounts_select on public.order_discounts for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
-- no DELETE policy
```

## Use instead
```sql
create policy order_discounts_delete on public.order_discounts for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
-- or: revoke delete on public.order_discounts from authenticated;
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding
from driftwatch.rules._context import COMMANDS, Context, policy_applies
from driftwatch.rules._remedy import tenant_policies
from driftwatch.rules._sql import quote_ident, quote_qualified

ID = "policy-command-uncovered"
SEVERITY = "warning"
SUMMARY = "one of SELECT/INSERT/UPDATE/DELETE has no permissive policy for the app role"


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.audited:
        table = ctx.tables[key]
        if not table.rls.enabled or not table.policies:
            continue
        privs = ctx.app_privileges(table.grants)
        for cmd in COMMANDS:
            roles = sorted(
                r
                for r, p in privs.items()
                if cmd in p
                and not any(
                    pol.permissive and policy_applies(pol, cmd, r)
                    for pol in table.policies.values()
                )
            )
            if not roles:
                continue
            fix = ""
            if ctx.exemption(key) is None:
                fix = tenant_policies(ctx, key, (cmd,))
            revoke = f"REVOKE {cmd} ON {quote_qualified(key)} FROM {', '.join(quote_ident(r) for r in roles)};"
            fix = f"{fix}\n-- or, if the app must not {cmd} here:\n{revoke}" if fix else revoke
            yield ctx.finding(
                ID,
                key,
                f"{key}: no permissive {cmd} policy for {', '.join(roles)}, which "
                f"{'holds' if len(roles) == 1 else 'hold'} the {cmd} privilege; every {cmd} is denied",
                fix,
                detail=cmd,
            )
