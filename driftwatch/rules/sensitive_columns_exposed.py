"""Column named like a secret or personal data in a table the API reads without RLS.

## What it does
Reports each column whose name matches `[rules] sensitive_columns` (globs, compared
case-insensitively; the default list covers passwords, secrets, tokens, API and private
keys, social security and tax ids, passport numbers, card numbers, CVV, IBAN, one-time
codes) in a table of an exposed schema that has row level security off and whose
column an API role can select (a table grant or a grant on that column).

## Why is this bad?
With RLS off, a SELECT grant is all it takes: anyone holding the anon or a user key
reads the column for every row, e.g. `GET /rest/v1/users?select=password_hash`.

## Example
```sql
create table public.integrations (id uuid primary key, organization_id uuid, api_key text);
grant select on public.integrations to authenticated;
```

## Use instead
```sql
alter table public.integrations enable row level security;  -- and tenant policies
-- or keep the secret out of the API:
revoke select on public.integrations from anon, authenticated;
grant select (id, organization_id) on public.integrations to authenticated;
```
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from driftwatch import model
from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context, privileges
from driftwatch.sqlexpr import quote_ident, quote_qualified

ID = "sensitive-columns-exposed"
SEVERITY: Severity = "error"
SUMMARY = "a column named like a secret or PII is readable through the API in a table without RLS"


def check(ctx: Context) -> Iterator[Finding]:
    patterns = [p.lower() for p in ctx.cfg.rules.sensitive_columns]
    for key, table in sorted(ctx.tables.items()):
        if table.rls.enabled or table.kind == "foreign" or ctx.extension_of(key):
            continue
        exp = ctx.exposure(key)
        if not exp.reachable:
            continue
        for col, column in sorted(table.columns.items()):
            if not any(fnmatch.fnmatchcase(col.lower(), p) for p in patterns):
                continue
            readers = sorted(r for r in exp.roles_with("SELECT") if _can_read(table, column, r))
            if not readers:
                continue
            qt = quote_qualified(key)
            who = ", ".join(quote_ident(r) for r in readers)
            yield ctx.finding(
                ID,
                f"{key}.{col}",
                f"column {col} of {key} looks like a secret or personal data and is readable by"
                f" {', '.join(readers)} through the API with row level security off",
                f"ALTER TABLE {qt} ENABLE ROW LEVEL SECURITY;\n-- or:\nREVOKE SELECT ON {qt} FROM {who};",
                on=key,
            )


def _can_read(table: model.Table, column: model.Column, role: str) -> bool:
    """A role that reads the table only through column grants reads only those columns."""
    if "SELECT" in privileges(table.grants, role):
        return True
    by_column = any("SELECT" in privileges(c.grants, role) for c in table.columns.values())
    return not by_column or "SELECT" in privileges(column.grants, role)
