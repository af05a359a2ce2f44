"""Roles: a changed attribute (superuser, bypassrls, login, inherit), a changed membership
or a changed API setting (``pgrst.db_schemas``, ``pgrst.db_anon_role``) is ``security``
drift: each changes what a role can reach.

A snapshot holds the roles its database involves (see ``introspect/assemble.py``), so a
role appears when it is first granted something and goes when nothing refers to it any
more: the grants say that. Only a role that appears with SUPERUSER or BYPASSRLS is
reported (``security``); appearing and disappearing are otherwise not changes."""

from __future__ import annotations

from typing import Any

from driftwatch import model
from driftwatch.diff.base import Comparator
from driftwatch.diff.changes import INFO, SECURITY, Change, Severity
from driftwatch.diff.common import Context

_SECURITY_FIELDS = frozenset({"superuser", "bypassrls", "login", "inherit", "member_of"})
_SECURITY_SETTINGS = frozenset({"pgrst.db_schemas", "pgrst.db_anon_role"})


class RoleComparator(Comparator[model.Role]):
    kind = "role"

    def added(self, name: str, obj: model.Role, ctx: Context) -> list[Change]:
        if obj.superuser or obj.bypassrls:
            return [
                self.change(name, c.change, SECURITY, c.before, c.after)
                for c in super().added(name, obj, ctx)
            ]
        return []

    def removed(self, name: str, obj: model.Role, ctx: Context) -> list[Change]:
        return []

    def modified_severity(
        self, old: model.Role, new: model.Role, before: dict[str, Any]
    ) -> Severity:
        if _SECURITY_FIELDS & before.keys():
            return SECURITY
        if "settings" in before and any(
            old.settings.get(s) != new.settings.get(s) for s in _SECURITY_SETTINGS
        ):
            return SECURITY
        return INFO
