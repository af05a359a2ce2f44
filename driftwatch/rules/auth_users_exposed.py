"""View readable by the API roles that reads `auth.users` (or another `auth` table).

## What it does
Reports a view or materialized view that anon or authenticated can select from through
the API and that reads, directly or through other views, a relation of the `auth`
schema. Which relations a view reads is found by parsing its definition (pglast).
Views with `security_invoker` are left out: they read `auth` with the caller's rights,
which the API roles do not hold on Supabase.

## Why is this bad?
`auth.users` holds every user's e-mail, phone, metadata and sign-in history. A view runs
with its owner's rights, so a view over it in an exposed schema publishes those rows to
anyone holding the anon key.

## Example
```sql
create view public.profiles as
  select u.id, u.email, u.raw_user_meta_data from auth.users u;
```

## Use instead
```sql
revoke select on public.profiles from anon, authenticated;
-- or keep a public.profiles table of your own, filled by a trigger on auth.users,
-- with RLS like any other table
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from driftwatch import idents, model
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context
from driftwatch.rules._reads import view_reads
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "auth-users-exposed"
SEVERITY: Severity = "error"
SUMMARY = (
    "a view or materialized view the API roles can read reads auth.users or another auth table"
)


def check(ctx: Context) -> Iterator[Finding]:
    kinds: tuple[tuple[str, Mapping[str, model.View | model.MaterializedView]], ...] = (
        ("view", ctx.objects.views),
        ("materialized view", ctx.objects.materialized_views),
    )
    for kind, objs in kinds:
        for key, view in sorted(objs.items()):
            if getattr(view, "security_invoker", False) or ctx.extension_of(key):
                continue
            readers = sorted(ctx.exposure(key).roles_with("SELECT"))
            if not readers:
                continue
            auth = sorted(r for r in view_reads(ctx, key) if idents.split_key(r)[0] == "auth")
            if not auth:
                continue
            who = ", ".join(quote_ident(r) for r in readers)
            yield ctx.finding(
                ID,
                key,
                f"{kind} {key} reads {', '.join(auth)} with its owner's rights and is readable"
                f" by {', '.join(readers)} through the API: it publishes the auth schema's rows",
                f"REVOKE SELECT ON {quote_qualified(key)} FROM {who};",
                on=key,
            )
