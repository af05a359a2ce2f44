"""DELETE allowed without the owner/admin role check the config requires.

## What it does
For the tables listed in `[tenancy] delete_role_check.tables`, reports every permissive
DELETE (or ALL) policy for an app role in which some path does not require the role claim
(`auth.jwt() -> 'app_metadata' ->> 'org_role'` by default) to be one of the allowed roles
(`owner`, `admin` by default), unless a RESTRICTIVE DELETE policy for that role checks it.

Severity follows reachability: when none of the policy's roles can reach the table
(see the exposure model in the rule catalog's README), the finding is `info` and its
message says why.

## Why is this bad?
The tenant predicate keeps other organizations out, but inside the organization any member
(a viewer, a freshly invited user) can delete orders, customers or the organization itself.

## Example
```sql
create policy orders_delete on public.orders for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
```

## Use instead
```sql
create policy orders_delete on public.orders for delete to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid
         and ((select auth.jwt()) -> 'app_metadata' ->> 'org_role') in ('owner', 'admin'));
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch import idents
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context, glob_match
from driftwatch.rules._tenancy import policy_applies
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "policy-delete-role-unchecked"
SEVERITY: Severity = "warning"
SUMMARY = "a DELETE policy of a table listed in delete_role_check does not check the role claim"


def check(ctx: Context) -> Iterator[Finding]:
    drc = ctx.tenancy.delete_role_check
    if not drc.tables:
        return
    an = ctx.analyser
    roles_sql = ", ".join("'" + r.replace("'", "''") + "'" for r in drc.roles)
    for key in ctx.audited:
        if not (glob_match(key, drc.tables) or glob_match(idents.split_key(key)[1], drc.tables)):
            continue
        policies = list(ctx.policies(key))
        for name, pol in policies:
            if not pol.permissive or pol.command not in ("DELETE", "ALL"):
                continue
            roles = ctx.app_roles_of(pol)
            if not roles or an.role_checked(pol.using):
                continue
            if all(
                any(
                    not rp.permissive
                    and policy_applies(rp, "DELETE", r)
                    and an.role_checked(rp.using)
                    for _n, rp in policies
                )
                for r in roles
            ):
                continue
            check_sql = f"(select {drc.claim}) in ({roles_sql})"
            using = f"({pol.using}) AND {check_sql}" if pol.using else check_sql
            yield ctx.finding(
                ID,
                f"{key}.{name}",
                f"policy {name} on {key} lets every member of the organization delete: it does not"
                f" require {drc.claim} in ({roles_sql})",
                f"ALTER POLICY {quote_ident(name)} ON {quote_qualified(key)} USING ({using});"
                if pol.command == "DELETE"
                else f"CREATE POLICY {quote_ident(name + '_delete_role')} ON {quote_qualified(key)}"
                f" AS RESTRICTIVE FOR DELETE TO {', '.join(quote_ident(r) for r in roles)} USING ({check_sql});",
                on=key,
                roles=roles,
            )
