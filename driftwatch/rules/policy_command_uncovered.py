"""A role's policies cover some commands on a table but miss one it needs.

## What it does
For each table in an exposed schema with RLS enabled, and each API role that can reach it
(see the exposure model in `docs/rules/README.md`), looks at the commands
(SELECT, INSERT, UPDATE, DELETE) the role holds a privilege for and the ones a permissive
policy covers for it (`FOR ALL` and `TO public` count). It reports a command left
uncovered when the coverage is partial:

- the role has UPDATE or DELETE policies but no SELECT policy (through the API an UPDATE
  or DELETE filters rows, which needs the SELECT policy: it finds nothing);
- the role has policies for two of INSERT/UPDATE/DELETE and not the third;
- the role is listed in `[tenancy] tenant_roles` and the table is a tenant table: every
  command it holds a privilege for needs a policy.

A role with a privilege and no policy at all on the table is denied by design (this is how
RLS keeps `anon` out of a Supabase project, where every table is granted to every API
role): no finding. Read-only (SELECT), append-only (SELECT, INSERT) and
update-own-row (SELECT, UPDATE) policies are complete shapes and are not reported.

## Why is this bad?
The role may run the command, its other policies show the app uses the table that way,
but RLS denies every row: the feature is broken (a DELETE that silently deletes nothing),
or the gap gets closed later in a hurry with an unscoped policy.

## Example
```sql
-- select, insert and update policies for authenticated, and no delete policy:
create policy order_discounts_update on public.order_discounts for update to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
```

## Use instead
```sql
-- if the app must not delete here, say so in the grants:
revoke delete on public.order_discounts from authenticated;
-- or, if it must, a tenant-scoped policy:
create policy order_discounts_delete on public.order_discounts for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._remedy import tenant_policies
from driftwatch.rules._tenancy import COMMANDS, policy_applies
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "policy-command-uncovered"
SEVERITY: Severity = "warning"
SUMMARY = "an API role's policies cover some commands on a table but miss one it holds"

_WRITES = frozenset({"INSERT", "UPDATE", "DELETE"})


def _partial(cmd: str, covered: set[str]) -> bool:
    if cmd == "SELECT":
        return bool(covered & {"UPDATE", "DELETE"})
    return cmd in _WRITES and len(covered & _WRITES) >= 2


def check(ctx: Context) -> Iterator[Finding]:
    tenant_roles = set(ctx.tenancy.tenant_roles)
    for key in ctx.audited:
        table = ctx.tables[key]
        if not table.rls.enabled or not table.policies:
            continue
        tenant = ctx.exemption(key) is None
        for role, privs in sorted(ctx.api_privileges(key).items()):
            covered = {
                cmd
                for cmd in COMMANDS
                if any(
                    p.permissive and policy_applies(p, cmd, role) for p in table.policies.values()
                )
            }
            strict = tenant and role in tenant_roles
            if not covered and not strict:
                continue  # no policy at all: denied by design
            for cmd in COMMANDS:
                if cmd not in privs or cmd in covered:
                    continue
                if not strict and not _partial(cmd, covered):
                    continue
                yield _finding(ctx, key, role, cmd, covered, tenant)


def _finding(
    ctx: Context, key: str, role: str, cmd: str, covered: set[str], tenant: bool
) -> Finding:
    qt = quote_qualified(key)
    fix = f"REVOKE {cmd} ON {qt} FROM {quote_ident(role)};"
    create = tenant_policies(ctx, key, (cmd,), role) if tenant else ""
    if create:
        fix += f"\n-- or, if {role} must {cmd} here:\n{create}"
    has = ", ".join(c for c in COMMANDS if c in covered) or "no command"
    return ctx.finding(
        ID,
        key,
        f"{key}: {role} has permissive policies for {has} but none for {cmd}, although it"
        f" holds the {cmd} privilege: every {cmd} by {role} is denied",
        fix,
        detail=f"{role}:{cmd}",
        on=key,
        roles=(role,),
    )
