"""The one result shape of every audit rule (and of the live probe): a ``Finding``, and the
closed vocabulary of its severities."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal, TypeGuard, get_args

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)  # most severe first


def is_severity(text: str) -> TypeGuard[Severity]:
    return text in SEVERITIES


def severity_rank(severity: str) -> int:
    """0 for error, 1 for warning, 2 for info (ValueError for anything else)."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    rule: str  # rule id, e.g. "rls-disabled"
    severity: Severity
    object: str  # "schema.table" or "schema.table.policy"/"schema.table.column"
    message: str  # names the exact policy/column
    remediation: str = ""  # concrete SQL where one exists
    fingerprint: str = ""  # stable across runs: rule + object (+ detail), never the message

    @staticmethod
    def make_fingerprint(rule: str, obj: str, detail: str = "") -> str:
        return hashlib.sha256(f"{rule}\0{obj}\0{detail}".encode()).hexdigest()[:16]
