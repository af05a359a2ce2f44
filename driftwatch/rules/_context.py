"""What every rule needs to know about a snapshot, computed once per audit.

``Context`` answers: which tables are audited (exposed schemas, not partitions), which
are exempt, what the tenant column of a table is, whether a table reaches a tenant-scoped
parent through NOT NULL foreign keys, which policies apply to a role and command, and
what the app roles may do with an object (from its grants).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from driftwatch import config as configmod
from driftwatch import idents, model
from driftwatch.findings import Finding

if TYPE_CHECKING:
    from driftwatch.rules._policy import Analyser

COMMANDS: tuple[str, ...] = ("SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True, slots=True)
class ForeignLink:
    """A foreign key of a child table: ``columns`` → ``parent(parent_columns)``."""

    name: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    not_null: bool


def glob_match(name: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def policy_commands(policy: model.Policy) -> tuple[str, ...]:
    return COMMANDS if policy.command == "ALL" else (policy.command,)


def policy_applies(policy: model.Policy, command: str, role: str) -> bool:
    return (policy.command in ("ALL", command)) and (
        role in policy.roles or "public" in policy.roles
    )


def privileges(grants: model.Grants, role: str) -> set[str]:
    """Privileges ``role`` holds on an object, directly or through PUBLIC."""
    out: set[str] = set()
    for grantee in (role, "PUBLIC"):
        out.update(p.rstrip("*") for p in grants.get(grantee, ()))
    return out


class Context:
    def __init__(self, snapshot: model.Snapshot, cfg: configmod.Config) -> None:
        self.snapshot = snapshot
        self.cfg = cfg
        self.tenancy = cfg.tenancy
        self.objects = snapshot.objects
        self.tables: Mapping[str, model.Table] = snapshot.objects.tables
        self.app_roles: tuple[str, ...] = tuple(cfg.tenancy.app_roles)
        self._severity: dict[str, str] = {}
        self._path_memo: dict[str, tuple[str, ...] | None] = {}
        self._policies: dict[str, list[tuple[str, model.Policy]]] = {}

    @cached_property
    def analyser(self) -> Analyser:
        from driftwatch.rules._policy import Analyser

        return Analyser(self)

    # ------------------------------------------------------------------ findings

    def set_severities(self, severities: Mapping[str, str]) -> None:
        self._severity = dict(severities)

    def finding(
        self, rule: str, obj: str, message: str, remediation: str = "", detail: str = ""
    ) -> Finding:
        return Finding(
            rule=rule,
            severity=self._severity.get(rule, "error"),
            object=obj,
            message=message,
            remediation=remediation,
            fingerprint=Finding.make_fingerprint(rule, obj, detail),
        )

    # ------------------------------------------------------------------ scope

    def exposed(self, key: str) -> bool:
        return glob_match(idents.split_key(key)[0], self.tenancy.exposed_schemas)

    def exemption(self, key: str) -> configmod.Exemption | None:
        for ex in self.tenancy.exempt:
            if fnmatch.fnmatchcase(key, ex.table):
                return ex
        return None

    @cached_property
    def audited(self) -> tuple[str, ...]:
        """Tables and partitioned tables in exposed schemas, partitions excluded."""
        return tuple(
            key
            for key, t in sorted(self.tables.items())
            if t.kind in ("table", "partitioned") and t.partition_of is None and self.exposed(key)
        )

    @cached_property
    def tenant_tables(self) -> tuple[str, ...]:
        """Audited tables that are not exempt (the ones tenancy rules apply to)."""
        return tuple(k for k in self.audited if self.exemption(k) is None)

    @cached_property
    def root_tables(self) -> frozenset[str]:
        root = self.tenancy.root_table
        if "." in root:
            return frozenset({root}) if root in self.tables else frozenset()
        return frozenset(k for k in self.tables if idents.split_key(k)[1] == root)

    def primary_key(self, key: str) -> tuple[str, ...]:
        for con in self.tables[key].constraints.values():
            if con.type == "primary_key":
                return con.columns
        return ()

    def tenant_column(self, key: str) -> str | None:
        """The column a policy must compare with the claim: the PK of the root, else the
        configured tenant column when the table has it."""
        table = self.tables.get(key)
        if table is None:
            return None
        if key in self.root_tables:
            pk = self.primary_key(key)
            if len(pk) == 1:
                return pk[0]
        col = self.tenancy.column
        return col if col in table.columns else None

    def is_root(self, key: str) -> bool:
        return key in self.root_tables

    def foreign_links(self, key: str) -> list[ForeignLink]:
        table = self.tables[key]
        out = []
        for name, con in sorted(table.constraints.items()):
            if con.type != "foreign_key" or con.references is None:
                continue
            not_null = all(
                c in table.columns and not table.columns[c].nullable for c in con.columns
            )
            out.append(
                ForeignLink(
                    name, con.columns, con.references.table, con.references.columns, not_null
                )
            )
        return out

    def scoped_path(self, key: str) -> tuple[str, ...] | None:
        """``(key, parent, …, scoped ancestor)`` when ``key`` has the tenant column (path of
        one) or reaches a table that has it through NOT NULL foreign keys; else None."""
        if key in self._path_memo:
            return self._path_memo[key]
        self._path_memo[key] = None  # cycle guard
        result: tuple[str, ...] | None = None
        if key in self.tables:
            if self.tenant_column(key) is not None:
                result = (key,)
            else:
                for link in self.foreign_links(key):
                    if not link.not_null or link.parent == key or link.parent not in self.tables:
                        continue
                    if self.exemption(link.parent) is not None:
                        continue
                    sub = self.scoped_path(link.parent)
                    if sub is not None and (result is None or len(sub) + 1 < len(result)):
                        result = (key, *sub)
        self._path_memo[key] = result
        return result

    # ------------------------------------------------------------------ policies

    def effective_table(self, key: str) -> str:
        """A partition is governed by its partitioned parent when reached through it."""
        seen = set()
        while key in self.tables and self.tables[key].partition_of and key not in seen:
            seen.add(key)
            key = self.tables[key].partition_of or key
        return key

    def app_roles_of(self, policy: model.Policy) -> tuple[str, ...]:
        if "public" in policy.roles:
            return self.app_roles
        return tuple(r for r in self.app_roles if r in policy.roles)

    def policies(self, key: str) -> list[tuple[str, model.Policy]]:
        """The policies of a table, sorted by name (cached)."""
        hit = self._policies.get(key)
        if hit is None:
            hit = self._policies[key] = sorted(self.tables[key].policies.items())
        return hit

    def app_privileges(self, grants: model.Grants) -> dict[str, set[str]]:
        return {r: p for r in self.app_roles if (p := privileges(grants, r))}

    def column_type(self, key: str, column: str) -> str | None:
        col = self.tables[key].columns.get(column) if key in self.tables else None
        return col.type if col else None
