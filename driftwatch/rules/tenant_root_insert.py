"""INSERT policy on the tenant root that lets any caller create a tenant.

## What it does
Reports a permissive INSERT (or ALL) policy of an app role on the tenant root table (the
configured `root_table`, and every table the tenant column's foreign keys reference) whose
WITH CHECK does not confine the new row to the caller's tenants. Such an INSERT creates a
new tenant; because the root is keyed by a single-column primary key it can never reuse an
existing tenant's key, so it cannot attach the caller to someone else's tenant. That is
why it is information to confirm, not an error (policy-not-tenant-scoped judges every other
clause of the root; a root without such a key is judged there too).

## Why is this bad?
Often it is not: sign-up and "create a team" flows (Basejump's `Team accounts can be
created by any user`) are meant to be open. But a tenant created by any caller can carry
whatever the columns allow (owner, plan, flags), so confirm it is intended and that
triggers fill the sensitive columns.

## Example
```sql
create policy accounts_insert on basejump.accounts for insert to authenticated
  with check (true);
```

## Use instead
```sql
-- intended: say so with a waiver ([tenancy] waivers, with a reason); else narrow it:
create policy accounts_insert on basejump.accounts for insert to authenticated
  with check (personal_account = false and primary_owner_user_id = (select auth.uid()));
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "tenant-root-insert"
SEVERITY: Severity = "info"
SUMMARY = "an INSERT policy on the tenant root lets any caller create a tenant"


def check(ctx: Context) -> Iterator[Finding]:
    an = ctx.analyser
    for key in ctx.tenant_tables:
        if not an.creates_tenants(key):
            continue
        pk = ctx.primary_key(key)[0]
        for name, pol in ctx.policies(key):
            if not pol.permissive or pol.command not in ("INSERT", "ALL"):
                continue
            roles = ctx.app_roles_of(pol)
            if not roles:
                continue
            text = pol.with_check if pol.with_check is not None else pol.using
            v = an.verdict(key, text)
            if an.accepts(key, "WITH CHECK", v):
                continue
            msg = (
                f"policy {name} on {key} ({pol.command} to {', '.join(roles)}) lets the caller"
                f" create tenants: WITH CHECK admits `{v.culprit}`; {pk} is the primary key,"
                " so an insert cannot attach the caller to an existing tenant"
            )
            fix = (
                "-- intended (sign-up, team creation)? record it in the config:\n"
                f'-- [tenancy] waivers = [{{ rule = "{ID}", object = "{key}.{name}", reason = "…" }}]\n'
                "-- else close it (tenants then come from a SECURITY DEFINER function):\n"
                f"ALTER POLICY {quote_ident(name)} ON {quote_qualified(key)} WITH CHECK (false);"
            )
            yield ctx.finding(ID, f"{key}.{name}", msg, fix, on=key, roles=roles)
