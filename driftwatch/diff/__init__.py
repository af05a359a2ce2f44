"""Semantic diff between two snapshots (``driftwatch.diff/1``).

``diff(old, new, DiffOptions(...)) -> DiffResult`` — see ``engine`` for the algorithm,
``changes`` for the records, ``render`` for text/JSON/Markdown, ``docs/diff.md`` for the
severity rules.
"""

from driftwatch.diff.changes import FORMAT, KINDS, SEVERITIES, Change, DiffResult, Ignored
from driftwatch.diff.common import DiffOptions
from driftwatch.diff.engine import diff

__all__ = [
    "FORMAT",
    "KINDS",
    "SEVERITIES",
    "Change",
    "DiffOptions",
    "DiffResult",
    "Ignored",
    "diff",
]
