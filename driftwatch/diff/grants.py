"""Privileges (``GRANT``/``REVOKE``) on any object: one change per object and role."""

from __future__ import annotations

from driftwatch.diff.changes import (
    ADDED,
    INFO,
    MODIFIED,
    REMOVED,
    SECURITY,
    Change,
    ChangeType,
    Severity,
)
from driftwatch.diff.common import Context
from driftwatch.model import Grants

PUBLIC = "PUBLIC"


def _base(priv: str) -> str:
    return priv.rstrip("*")


def compare(name: str, old: Grants, new: Grants, ctx: Context, *, group: str) -> list[Change]:
    """Grant changes on ``name``; ``security`` when an app role (or PUBLIC) gains a privilege."""
    if old == new:
        return []
    out: list[Change] = []
    app = set(ctx.options.app_roles) | {PUBLIC}
    for role in sorted(old.keys() | new.keys()):
        before = tuple(old.get(role, ()))
        after = tuple(new.get(role, ()))
        if before == after:
            continue
        gained = {_base(p) for p in after} - {_base(p) for p in before}
        gained_option = {p for p in after if p.endswith("*")} - set(before)
        severity: Severity = SECURITY if role in app and (gained or gained_option) else INFO
        change: ChangeType = ADDED if not before else REMOVED if not after else MODIFIED
        out.append(
            Change(
                kind="grant",
                object=name,
                change=change,
                severity=severity,
                before={"role": role, "privileges": list(before)} if before else None,
                after={"role": role, "privileges": list(after)} if after else None,
                group=group,
            )
        )
    return out
