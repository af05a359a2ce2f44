"""A waiver in the configuration has expired.

## What it does
Reports each waiver of `[tenancy] waivers` whose `expires` date is in the past. The
findings it used to silence are reported again.

## Why is this bad?
A waiver is a promise to fix something by a date. Once it lapses the finding is back, and
the waiver itself is left in the config as stale noise that hides nothing any more.

## Example
```toml
[tenancy]
waivers = [{ rule = "rls-disabled", object = "public.legacy_import", reason = "migration", expires = "2024-01-31" }]
```

## Use instead
```toml
# fix the finding and delete the waiver, or renew it deliberately:
waivers = [{ rule = "rls-disabled", object = "public.legacy_import", reason = "migration, ticket OPS-42", expires = "2026-06-30" }]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from driftwatch.findings import Finding, Severity
from driftwatch.rules._context import Context

ID = "waiver-expired"
SEVERITY: Severity = "warning"
SUMMARY = "a waiver's expires date has passed (its findings are reported again)"


def check(ctx: Context) -> Iterator[Finding]:
    """Findings of this rule are made while waivers are applied (see ``audit``)."""
    return iter(())
