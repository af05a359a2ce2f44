"""Role that bypasses RLS and that the app can become.

## What it does
Reports a role with BYPASSRLS or SUPERUSER, other than the platform's own
(`[rules] platform_roles`, default `postgres`, `service_role`, `supabase_*` and the
administrative roles of RDS, Cloud SQL and Azure), that an API role can become (it is a
member of it, so `SET ROLE` works) — an error — or, with BYPASSRLS, that can log in,
so an application or a person may connect as it — a warning. A login superuser that no
API role can become is a DBA's account and is not reported.

## Why is this bad?
Row level security does not apply to such a role at all. An API role that can
`SET ROLE` to it (a function, a trigger or a `set role` in a request hook) escapes every
policy; a login role with BYPASSRLS is one leaked password away from every tenant's rows.

## Example
```sql
create role reporting login password '…' bypassrls;
grant reporting to authenticated;
```

## Use instead
```sql
revoke reporting from authenticated;
alter role reporting nobypassrls;  -- and give it RLS policies of its own
```
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context, glob_match
from driftwatch.sqlexpr import quote_ident

ID = "bypassrls-role"
SEVERITY: Severity = "error"
SUMMARY = "a non-platform role with BYPASSRLS or SUPERUSER can be used by the app or an API role"


def _members(ctx: Context, role: str) -> list[str]:
    """API roles that can SET ROLE to ``role`` (membership, inherited or not)."""
    out = []
    for api in ctx.app_roles:
        seen, todo = {api}, [api]
        while todo:
            r = ctx.objects.roles.get(todo.pop())
            for parent in r.member_of if r is not None else ():
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        if role in seen and role != api:
            out.append(api)
    return out


def check(ctx: Context) -> Iterator[Finding]:
    allowed = ctx.cfg.rules.platform_roles
    for name, role in sorted(ctx.objects.roles.items()):
        if name == "PUBLIC" or not (role.bypassrls or role.superuser):
            continue
        if glob_match(name, allowed):
            continue
        power = "SUPERUSER" if role.superuser else "BYPASSRLS"
        members = _members(ctx, name)
        api_itself = name in ctx.app_roles
        if not members and not api_itself and (role.superuser or not role.login):
            continue  # a login superuser is a DBA's account, not something the app becomes
        if api_itself:
            how = "is itself an API role ([tenancy] app_roles): no policy applies to its requests"
        elif members:
            how = f"{', '.join(members)} can SET ROLE to it and escape every policy"
        else:
            how = "can log in: whoever connects as it reads every tenant's rows"
        attr = "NOSUPERUSER" if role.superuser else "NOBYPASSRLS"
        fix = "\n".join(
            [f"REVOKE {quote_ident(name)} FROM {quote_ident(m)};" for m in members]
            + [f"ALTER ROLE {quote_ident(name)} {attr};"]
        )
        f = ctx.finding(ID, name, f"role {name} has {power} and {how}", fix, on=None)
        if not members and not api_itself and f.severity == "error":
            # a login role with BYPASSRLS alone: made to skip RLS for some app or person
            ctx.capped.add(f.fingerprint)
            f = replace(f, severity="warning")
        yield f
