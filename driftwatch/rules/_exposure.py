"""The exposure model: which API roles can reach an object through the API, and why not.

An object (table, view, materialized view, sequence, function) is *reachable* by an API
role (``[tenancy] app_roles``) when all of these hold:

- the role holds a privilege on it: directly, through ``PUBLIC``, through a role whose
  privileges it inherits (membership, followed through roles with INHERIT), by owning it,
  or by being a superuser; a column privilege counts for its table;
- the role holds ``USAGE`` on the object's schema, in the same ways;
- the schema is exposed: ``[tenancy] exposed_schemas``, plus every schema the database's
  ``pgrst.db_schemas`` setting names (on a role, e.g. ``authenticator``, or on the
  database).

Every rule asks this one place (``Context.exposure`` / ``Context.reachable``), so what an
API role can reach is decided the same way everywhere. A snapshot without roles (older
files) has no memberships: privileges count directly and through PUBLIC only.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from driftwatch import idents, model

PUBLIC = "PUBLIC"
DB_SCHEMAS_SETTING = "pgrst.db_schemas"

# What an owner (or a superuser) may do, by object kind.
_ALL: dict[str, frozenset[str]] = {
    "table": frozenset(
        {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}
    ),
    "sequence": frozenset({"SELECT", "UPDATE", "USAGE"}),
    "function": frozenset({"EXECUTE"}),
    "schema": frozenset({"USAGE", "CREATE"}),
}


@dataclass(frozen=True, slots=True)
class Exposure:
    """How the API roles reach one object.

    ``privileges``: API role → the privileges it can use on the object through the API
    (only roles that reach it; empty when none does). ``why_not``: one phrase saying why no
    API role reaches it (empty when one does), for messages: "schema private is not
    exposed to the API", "anon, authenticated hold no privilege on it", ...
    ``bypasses_rls``: the reaching API roles that RLS does not restrict here (owner of a
    table whose RLS is not forced, BYPASSRLS, superuser).
    """

    key: str
    schema: str
    privileges: Mapping[str, frozenset[str]] = field(default_factory=dict)
    why_not: str = ""
    bypasses_rls: frozenset[str] = frozenset()

    @property
    def roles(self) -> frozenset[str]:
        """The API roles that reach the object."""
        return frozenset(self.privileges)

    @property
    def reachable(self) -> bool:
        return bool(self.privileges)

    def can(self, role: str, privilege: str) -> bool:
        """``role`` reaches the object and may use ``privilege`` on it."""
        return privilege in self.privileges.get(role, ())

    def roles_with(self, privilege: str) -> frozenset[str]:
        return frozenset(r for r, p in self.privileges.items() if privilege in p)


def parse_schema_list(value: str) -> tuple[str, ...]:
    """``pgrst.db_schemas`` → schema names (comma-separated, blanks and quotes dropped)."""
    out = []
    for part in value.split(","):
        name = part.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        if name:
            out.append(name)
    return tuple(out)


class ExposureModel:
    """Answers ``exposure(key)`` for one snapshot and set of API roles (cached per key)."""

    def __init__(
        self, objects: model.Objects, api_roles: Iterable[str], exposed_globs: Iterable[str]
    ) -> None:
        self.objects = objects
        self.api_roles: tuple[str, ...] = tuple(api_roles)
        self.roles: Mapping[str, model.Role] = objects.roles
        globs = tuple(exposed_globs)
        self.pgrst_schemas: tuple[str, ...] = tuple(
            sorted(
                {
                    s
                    for role in self.roles.values()
                    if DB_SCHEMAS_SETTING in role.settings
                    for s in parse_schema_list(role.settings[DB_SCHEMAS_SETTING])
                }
            )
        )
        # The role PostgREST uses for requests without a JWT: it carries no tenant claim.
        self.anon_roles: frozenset[str] = frozenset(
            {
                r.settings["pgrst.db_anon_role"]
                for r in self.roles.values()
                if "pgrst.db_anon_role" in r.settings
            }
            or {"anon"}
        )
        known = set(objects.schemas)
        for kind in (objects.tables, objects.views, objects.materialized_views, objects.functions):
            known.update(_schema_of(k) for k in kind)
        self.exposed_schemas: frozenset[str] = frozenset(
            s
            for s in known
            if any(fnmatch.fnmatchcase(s, g) for g in globs) or s in self.pgrst_schemas
        )
        self._inherits: dict[str, frozenset[str]] = {}
        self._cache: dict[str, Exposure] = {}

    # ------------------------------------------------------------------ roles

    def inherited(self, role: str) -> frozenset[str]:
        """``role`` and every role whose privileges it uses (memberships followed through
        roles that INHERIT)."""
        hit = self._inherits.get(role)
        if hit is not None:
            return hit
        seen = {role}
        todo = [role]
        while todo:
            r = self.roles.get(todo.pop())
            if r is None or not r.inherit:
                continue
            for parent in r.member_of:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        out = self._inherits[role] = frozenset(seen)
        return out

    def superuser(self, role: str) -> bool:
        r = self.roles.get(role)
        return r is not None and r.superuser

    def held(self, role: str, grants: model.Grants, owner: str | None, kind: str) -> frozenset[str]:
        """The privileges ``role`` holds on an object with these grants and owner."""
        if self.superuser(role):
            return _ALL[kind]
        via = self.inherited(role)
        if owner is not None and owner in via:
            return _ALL[kind]
        out: set[str] = set()
        for grantee in (*via, PUBLIC):
            out.update(p.rstrip("*") for p in grants.get(grantee, ()))
        return frozenset(out)

    # ------------------------------------------------------------------ objects

    def exposure(self, key: str) -> Exposure:
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._compute(key)
        return hit

    def _compute(self, key: str) -> Exposure:
        o = self.objects
        table = o.tables.get(key)
        grants: model.Grants
        owner: str | None
        kind = "table"
        if table is not None:
            grants, owner = _with_columns(table), table.owner
        elif (view := o.views.get(key) or o.materialized_views.get(key)) is not None:
            grants, owner = view.grants, view.owner
        elif (seq := o.sequences.get(key)) is not None:
            grants, owner, kind = seq.grants, seq.owner, "sequence"
        elif (fn := o.functions.get(key)) is not None:
            grants, owner, kind = fn.grants, fn.owner, "function"
        else:
            return Exposure(key, _schema_of(key), why_not=f"{key} is not in the snapshot")
        schema = _schema_of(key)
        if schema not in self.exposed_schemas:
            return Exposure(
                key,
                schema,
                why_not=f"schema {schema} is not exposed to the API"
                " (not in [tenancy] exposed_schemas nor pgrst.db_schemas)",
            )
        holders = {r: p for r in self.api_roles if (p := self.held(r, grants, owner, kind))}
        if not holders:
            who = ", ".join(self.api_roles)
            return Exposure(
                key,
                schema,
                why_not=f"{who} hold{'s' if len(self.api_roles) == 1 else ''} no privilege on it"
                if who
                else "no API role is configured",
            )
        sch = o.schemas.get(schema)
        reach = {
            r: p
            for r, p in sorted(holders.items())
            if sch is None or "USAGE" in self.held(r, sch.grants, sch.owner, "schema")
        }
        if not reach:
            names = ", ".join(sorted(holders))
            verb = "holds" if len(holders) == 1 else "hold"
            return Exposure(
                key,
                schema,
                why_not=f"{names} {verb} privileges on it but not USAGE on schema {schema}",
            )
        bypass = frozenset(
            r
            for r in reach
            if self.superuser(r)
            or (self.roles.get(r) is not None and self.roles[r].bypassrls)
            or (table is not None and not table.rls.forced and owner in self.inherited(r))
        )
        return Exposure(key, schema, reach, bypasses_rls=bypass)


def _schema_of(key: str) -> str:
    return idents.split_key(key)[0]


def _with_columns(table: model.Table) -> model.Grants:
    """A table's grants plus its column grants (a column privilege reaches the table)."""
    if not any(c.grants for c in table.columns.values()):
        return table.grants
    merged: dict[str, set[str]] = {r: set(p) for r, p in table.grants.items()}
    for col in table.columns.values():
        for role, privs in col.grants.items():
            merged.setdefault(role, set()).update(privs)
    return {r: tuple(sorted(p)) for r, p in merged.items()}
