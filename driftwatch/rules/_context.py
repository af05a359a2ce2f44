"""What every rule needs to know about a snapshot, computed once per audit.

``Context`` answers: which tables are audited (exposed schemas, not partitions, not
extension-owned), which are exempt, what the tenant column of a table is, whether a table
reaches a tenant-scoped parent through NOT NULL foreign keys, which policies apply to a
role and command, and which API roles can reach an object (``exposure``/``reachable``,
see ``_exposure``). A finding on an object no API role reaches is at most ``info`` and
says why (``finding(..., on=key)``). ``analyser`` is the policy analyser over it
(``_policy``, which reads it through ``_tenancy.TenancyFacts``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from functools import cached_property

from driftwatch import config as configmod
from driftwatch import idents, model
from driftwatch.findings import Finding, Severity, severity_rank
from driftwatch.rules._exposure import Exposure, ExposureModel
from driftwatch.rules._policy import Analyser
from driftwatch.rules._tenancy import ForeignLink


def glob_match(name: str, patterns: list[str] | tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


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
        self._severity: dict[str, Severity] = {}
        self._path_memo: dict[str, tuple[str, ...] | None] = {}
        self._policies: dict[str, list[tuple[str, model.Policy]]] = {}
        self.capped: set[str] = set()  # fingerprints lowered to info: nothing reaches them
        # The policy analyser over this context; it parses the configured claim and helpers,
        # so a config error is raised here, before any rule runs.
        self.analyser = Analyser(self)

    # ------------------------------------------------------------------ findings

    def set_severities(self, severities: Mapping[str, Severity]) -> None:
        self._severity = dict(severities)

    def finding(
        self,
        rule: str,
        obj: str,
        message: str,
        remediation: str = "",
        detail: str = "",
        *,
        on: str | None = None,
        roles: Iterable[str] | None = None,
    ) -> Finding:
        """A finding of ``rule`` on ``obj``. ``on`` is the relation or function it is about
        (default: found from ``obj``); when none of ``roles`` (default: every API role)
        reaches it, the finding is at most ``info`` and its message says why."""
        severity = self._severity.get(rule, "error")
        fingerprint = Finding.make_fingerprint(rule, obj, detail)
        target = on if on is not None else self.object_of(obj)
        if target and severity_rank(severity) < severity_rank("info"):
            exp = self.exposure(target)
            wanted = set(exp.roles) if roles is None else set(exp.roles) & set(roles)
            if not wanted:
                if exp.roles:  # reachable, but not by the roles the finding is about
                    message = (
                        f"{message} (info only, {', '.join(sorted(roles or ()))} cannot reach"
                        f" {target}; only {', '.join(sorted(exp.roles))} can)"
                    )
                else:
                    message = (
                        f"{message} (info only, no API role can reach {target}: {exp.why_not})"
                    )
                severity = "info"
                self.capped.add(fingerprint)
        return Finding(
            rule=rule,
            severity=severity,
            object=obj,
            message=message,
            remediation=remediation,
            fingerprint=fingerprint,
        )

    def object_of(self, obj: str) -> str | None:
        """The relation or function a finding's object names: itself, or its longest
        ``schema.table`` prefix (``schema.table.policy``, ``schema.table.column``)."""
        o = self.objects
        if obj in o.functions:
            return obj
        key = obj
        while True:
            if key in o.tables or key in o.views or key in o.materialized_views:
                return key
            if key in o.sequences:
                return key
            parts = idents.split(key)
            if len(parts) < 3:
                return None
            key = idents.head(key, len(parts) - 1)

    # ------------------------------------------------------------------ exposure

    @cached_property
    def exposures(self) -> ExposureModel:
        return ExposureModel(self.objects, self.app_roles, self.tenancy.exposed_schemas)

    def exposure(self, key: str) -> Exposure:
        """How the API roles reach ``key`` (a relation or function): see ``_exposure``."""
        return self.exposures.exposure(key)

    def reachable(self, key: str) -> frozenset[str]:
        """The API roles that can reach ``key`` through the API (empty: none can)."""
        return self.exposures.exposure(key).roles

    def api_privileges(self, key: str) -> dict[str, set[str]]:
        """Reaching API role → the privileges it can use on ``key`` through the API."""
        return {r: set(p) for r, p in self.exposure(key).privileges.items()}

    @cached_property
    def exposed_schemas(self) -> frozenset[str]:
        """The snapshot's schemas the API exposes (config globs plus pgrst.db_schemas)."""
        return self.exposures.exposed_schemas

    @cached_property
    def extension_members(self) -> Mapping[str, str]:
        """Object key → the extension that owns it (left out of the audit)."""
        return {
            member: name
            for name, ext in sorted(self.objects.extensions.items())
            for member in ext.members
        }

    def extension_of(self, key: str) -> str | None:
        return self.extension_members.get(key)

    # ------------------------------------------------------------------ scope

    def exposed(self, key: str) -> bool:
        return idents.split_key(key)[0] in self.exposed_schemas

    def exemption(self, key: str) -> configmod.Exemption | None:
        for ex in self.tenancy.exempt:
            if fnmatch.fnmatchcase(key, ex.table):
                return ex
        return None

    @cached_property
    def audited(self) -> tuple[str, ...]:
        """Tables and partitioned tables in exposed schemas; partitions and
        extension-owned tables excluded."""
        return tuple(
            key
            for key, t in sorted(self.tables.items())
            if t.kind in ("table", "partitioned")
            and t.partition_of is None
            and self.exposed(key)
            and key not in self.extension_members
        )

    @cached_property
    def tenant_tables(self) -> tuple[str, ...]:
        """Audited tables that are not exempt (the ones tenancy rules apply to)."""
        return tuple(k for k in self.audited if self.exemption(k) is None)

    @cached_property
    def root_tables(self) -> frozenset[str]:
        """The configured root table, and the tables the tenant column's foreign keys
        reference by their primary key (``account_id → basejump.accounts(id)``) when they
        do not carry the tenant column themselves: what a tenant *is*."""
        root = self.tenancy.root_table
        if "." in root:
            named = {root} if root in self.tables else set()
        else:
            named = {k for k in self.tables if idents.split_key(k)[1] == root}
        col = (self.tenancy.column,)
        for t in self.tables.values():
            for con in t.constraints.values():
                ref = con.references
                if (
                    con.type == "foreign_key"
                    and ref is not None
                    and con.columns == col
                    and ref.table in self.tables
                    and ref.table not in named
                    and col[0] not in self.tables[ref.table].columns
                    and ref.columns == self.primary_key(ref.table)
                ):
                    named.add(ref.table)
        return frozenset(named)

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
        """From ``grants`` alone (direct and PUBLIC), ignoring schema USAGE, exposure and
        membership: kept for callers of old; rules ask ``api_privileges(key)``."""
        return {r: p for r in self.app_roles if (p := privileges(grants, r))}

    def column_type(self, key: str, column: str) -> str | None:
        col = self.tables[key].columns.get(column) if key in self.tables else None
        return col.type if col else None
