"""Policy reads `user_metadata`, which the user can edit.

## What it does
Reports any policy of a table in an exposed schema whose USING or WITH CHECK expression
reads the `user_metadata` claim of the JWT (`auth.jwt() -> 'user_metadata'`, a
`#> '{user_metadata,…}'` path) or `auth.users.raw_user_meta_data`.

Severity follows reachability: when none of the policy's roles can reach the table
(see the exposure model in the rule catalog's README), the finding is `info` and its
message says why.

## Why is this bad?
On Supabase, `user_metadata` is written by the user through `supabase.auth.updateUser()`.
A policy that takes the tenant id (or a role) from it lets anyone put another
organization's id there and read its rows. Authorization data belongs in `app_metadata`,
which only the service role can write.

## Example
```sql
create policy customers_select on public.customers for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'user_metadata' ->> 'organization_id')::uuid);
```

## Use instead
```sql
create policy customers_select on public.customers for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._remedy import wrap_calls
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "policy-user-metadata"
SEVERITY: Severity = "error"
SUMMARY = "a policy reads user_metadata (user-editable)"


def _fixed(ctx: Context, text: str) -> str:
    """``text`` reading app_metadata instead, with every claim call wrapped in
    ``(select …)`` so the fix does not raise ``policy-initplan``."""
    out = text.replace("raw_user_meta_data", "raw_app_meta_data").replace(
        "user_metadata", "app_metadata"
    )
    return wrap_calls(ctx, out)


def check(ctx: Context) -> Iterator[Finding]:
    an = ctx.analyser
    for key in ctx.audited:
        for name, pol in ctx.policies(key):
            clauses = [
                (clause, text)
                for clause, text in (("USING", pol.using), ("WITH CHECK", pol.with_check))
                if an.reads_user_metadata(text)
            ]
            if not clauses:
                continue
            fixed = " ".join(f"{clause} ({_fixed(ctx, text or '')})" for clause, text in clauses)
            yield ctx.finding(
                ID,
                f"{key}.{name}",
                f"policy {name} on {key} reads user_metadata in its "
                f"{' and '.join(c for c, _ in clauses)}: users can edit that claim themselves",
                f"ALTER POLICY {quote_ident(name)} ON {quote_qualified(key)} {fixed};",
                on=key,
                roles=ctx.app_roles_of(pol),
            )
