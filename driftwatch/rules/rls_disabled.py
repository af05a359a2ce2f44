"""Tenant table with row level security disabled.

## What it does
Reports a table in an exposed schema (one the API serves, `public` by default) whose row
level security is switched off. When the table still has policies, the message says so:
they exist but PostgreSQL does not enforce them.

Severity follows reachability: when no API role can reach the table (see the exposure
model in the rule catalog's README), the finding is `info` and its message says why.

## Why is this bad?
Without RLS, every role that holds a privilege on the table sees and changes every row,
whatever the policies say. On a multi-tenant database that means every organization can
read (and usually write) every other organization's data through the API.

## Example
```sql
create table public.lead_import_batches (
  id uuid primary key,
  organization_id uuid not null references public.organizations (id)
);
grant select on public.lead_import_batches to authenticated;
-- RLS never enabled
```

## Use instead
```sql
alter table public.lead_import_batches enable row level security;
create policy lead_import_batches_select on public.lead_import_batches
  for select to authenticated
  using (organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);
```
Tables that are genuinely global belong in `[tenancy] exempt` with a reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._remedy import tenant_policies
from driftwatch.rules._tenancy import COMMANDS
from driftwatch.sqlexpr import quote_qualified

ID = "rls-disabled"
SEVERITY: Severity = "error"
SUMMARY = "a tenant table in an exposed schema has RLS off"


def _who(ctx: Context, key: str) -> str:
    privs = ctx.api_privileges(key)
    if not privs:
        return ""
    return "; " + ", ".join(
        f"{r} may {'/'.join(c for c in COMMANDS if c in p) or 'use it'}"
        for r, p in sorted(privs.items())
    )


def check(ctx: Context) -> Iterator[Finding]:
    for key in ctx.tenant_tables:
        table = ctx.tables[key]
        if table.rls.enabled:
            continue
        names = sorted(table.policies)
        if names:
            msg = (
                f"row level security is disabled on {key}: its {len(names)} "
                f"polic{'y' if len(names) == 1 else 'ies'} ({', '.join(names)}) exist but are not enforced"
            )
        else:
            msg = f"row level security is disabled on {key} and it has no policies"
        fix = f"ALTER TABLE {quote_qualified(key)} ENABLE ROW LEVEL SECURITY;"
        if not names:
            fix += "\n" + tenant_policies(ctx, key, ("SELECT", "INSERT", "UPDATE", "DELETE"))
        yield ctx.finding(ID, key, msg + _who(ctx, key), fix.strip(), on=key)
    # A partition read directly (not through its parent): partition-bypasses-rls.
