"""The one result shape of every audit rule (and of the live probe): a ``Finding``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")  # most severe first


def severity_rank(severity: str) -> int:
    """0 for error, 1 for warning, 2 for info."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    rule: str  # rule id, e.g. "rls-disabled"
    severity: str  # "error" | "warning" | "info"
    object: str  # "schema.table" or "schema.table.policy"/"schema.table.column"
    message: str  # names the exact policy/column
    remediation: str = ""  # concrete SQL where one exists
    fingerprint: str = ""  # stable across runs: rule + object (+ detail), never the message

    @staticmethod
    def make_fingerprint(rule: str, obj: str, detail: str = "") -> str:
        return hashlib.sha256(f"{rule}\0{obj}\0{detail}".encode()).hexdigest()[:16]
