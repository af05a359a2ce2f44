"""Value objects of a probe run: one attempt, one table, the whole report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

COMMANDS: tuple[str, ...] = ("select", "update", "delete", "insert", "move")
CONTROLS: tuple[str, ...] = ("select", "update", "delete", "insert")

BLOCKED = "blocked"
LEAKED = "leaked"
ERROR = "error"

ISOLATED = "isolated"
UNDECIDED = "undecided"
SKIPPED = "skipped"

DESCRIPTIONS = {
    "select": "SELECT tenant A's row",
    "update": "UPDATE tenant A's row",
    "delete": "DELETE tenant A's row",
    "insert": "INSERT a row claiming tenant A",
    "move": "UPDATE its own row to move it to tenant A",
}


@dataclass(frozen=True, slots=True)
class Attempt:
    role: str
    command: str  # one of COMMANDS
    status: str  # "blocked" | "leaked" | "error"
    rows: int = 0  # rows seen (select) or affected
    detail: str = ""  # SQLSTATE and message when the server refused or failed
    statement: str = ""


@dataclass(frozen=True, slots=True)
class TableResult:
    table: str
    status: str  # "isolated" | "leaked" | "undecided" | "skipped"
    link: str = ""  # how the table is scoped to a tenant
    reason: str = ""  # why undecided/skipped
    attempts: tuple[Attempt, ...] = ()
    # role -> command -> rows tenant B affected in its OWN row (sanity control)
    controls: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    reproductions: Mapping[str, str] = field(default_factory=dict)  # "role:command" -> SQL
    notes: tuple[str, ...] = ()
    pgtap: str = ""  # the attacks as a pgTAP test file, when asked for (probe --emit pgtap)

    def leaks(self) -> tuple[Attempt, ...]:
        return tuple(a for a in self.attempts if a.status == LEAKED)


@dataclass(frozen=True, slots=True)
class ProbeReport:
    target: str | None
    database: str
    roles: tuple[str, ...]
    claim_path: tuple[str, ...]
    tables: tuple[TableResult, ...]
    elapsed_s: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for t in self.tables if t.status == status)
