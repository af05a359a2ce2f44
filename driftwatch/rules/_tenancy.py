"""The tenancy facts the policy analyser reads, as a protocol the audit's ``Context``
satisfies: the analyser (``_policy``) depends on this, not on the context that builds it.

Also the small vocabulary both share: the policy commands, a table's foreign links, and
which policies apply to a role and command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from driftwatch import config as configmod
from driftwatch import model

COMMANDS: tuple[str, ...] = ("SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True, slots=True)
class ForeignLink:
    """A foreign key of a child table: ``columns`` → ``parent(parent_columns)``."""

    name: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    not_null: bool


def policy_applies(policy: model.Policy, command: str, role: str) -> bool:
    return (policy.command in ("ALL", command)) and (
        role in policy.roles or "public" in policy.roles
    )


class TenancyFacts(Protocol):
    """What the analyser asks of a snapshot under a tenancy config (see ``Context``)."""

    @property
    def tenancy(self) -> configmod.Tenancy: ...

    @property
    def objects(self) -> model.Objects: ...

    @property
    def tables(self) -> Mapping[str, model.Table]: ...

    @property
    def tenant_tables(self) -> tuple[str, ...]: ...

    def tenant_column(self, key: str) -> str | None: ...

    def primary_key(self, key: str) -> tuple[str, ...]: ...

    def is_root(self, key: str) -> bool: ...

    def exemption(self, key: str) -> configmod.Exemption | None: ...

    def foreign_links(self, key: str) -> list[ForeignLink]: ...

    def scoped_path(self, key: str) -> tuple[str, ...] | None: ...

    def policies(self, key: str) -> list[tuple[str, model.Policy]]: ...

    def app_roles_of(self, policy: model.Policy) -> tuple[str, ...]: ...
