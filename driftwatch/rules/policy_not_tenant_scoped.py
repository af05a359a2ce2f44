"""Permissive policy that does not confine rows to the caller's tenants.

## What it does
Parses every permissive policy (USING and WITH CHECK) of a tenant table with the
PostgreSQL parser and checks that every path through the boolean expression confines the
tenant column to the caller's tenants, proved from the SQL:

* the JWT claim: `organization_id = <claim>` (either operand order, any casts, with or
  without the `(select …)` wrapper, AND-ed with anything);
* membership: `EXISTS`/`IN` over a membership relation (a table whose unique key is the
  tenant column and a user column) binding the row's tenant column and the member to the
  caller (`auth.uid()`, the JWT `sub`, the claim, `current_user`);
* a helper function (SQL, or plpgsql `RETURN …`; SECURITY DEFINER or not) whose body does
  one of these with the arguments substituted, following helpers that call helpers;
  `basejump.has_role_on_account(account_id)` is proved by reading its body, and a helper
  that forgets the caller is reported with what it fails to bind;
* a parent row (`EXISTS (SELECT 1 FROM parent p WHERE p.id = child.parent_id AND …)`,
  followed through grandchildren), or the tenant root by its own key.

Rows bound to the caller alone (`user_id = auth.uid()`) are stricter than the tenant and
pass for reading (USING); a WITH CHECK that binds only the caller would let the caller
write into any tenant (or add itself to any tenant's membership) and is reported. INSERT
into the tenant root creates a tenant (see tenant-root-insert). A scoped RESTRICTIVE
policy for the same role and command makes a permissive one safe; helpers listed in
`[tenancy] trusted_functions` are taken on trust.

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
-- membership that forgets the caller: "the account has some member"
create policy docs_select on public.docs for select to authenticated
  using (exists (select 1 from basejump.account_user m where m.account_id = docs.account_id));
```

## Use instead
```sql
create policy chats_select on public.chats for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
create policy docs_select on public.docs for select to authenticated
  using (exists (select 1 from basejump.account_user m
                 where m.account_id = docs.account_id and m.user_id = (select auth.uid())));
-- or through a helper whose body does that join:
create policy docs_select on public.docs for select to authenticated
  using (basejump.has_role_on_account(account_id));
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._remedy import predicate
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "policy-not-tenant-scoped"
SEVERITY: Severity = "error"
SUMMARY = "a permissive policy does not confine the tenant column to the caller's tenants"


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
            parts = "; ".join(
                f"{clause} admits `{v.culprit}`" + (f" ({v.reason})" if v.reason else "")
                for clause, v in bad
            )
            msg = (
                f"policy {name} on {key} ({pol.command} to {roles}) does not constrain "
                f"{target} to the caller's tenants (claim or membership): {parts}"
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
