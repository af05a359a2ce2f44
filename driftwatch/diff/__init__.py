"""Semantic diff between two snapshots (``driftwatch.diff/1``).

``diff(old, new, DiffOptions(...)) -> DiffResult`` — see ``engine`` for the algorithm,
``base`` and ``members`` for the two levels of comparator, ``changes`` for the records
(``fields`` for their field-level detail), ``render`` for text/JSON/Markdown,
``docs/diff.md`` for the severity rules.
"""

from driftwatch.diff.changes import (
    FORMAT,
    KINDS,
    SEVERITIES,
    Change,
    ChangeType,
    DiffResult,
    Ignored,
    Kind,
    Severity,
    unknown_kinds,
)
from driftwatch.diff.common import DiffOptions
from driftwatch.diff.engine import diff
from driftwatch.diff.fields import FieldChange

__all__ = [
    "FORMAT",
    "KINDS",
    "SEVERITIES",
    "Change",
    "ChangeType",
    "DiffOptions",
    "DiffResult",
    "FieldChange",
    "Ignored",
    "Kind",
    "Severity",
    "diff",
    "unknown_kinds",
]
