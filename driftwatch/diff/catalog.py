"""Collations, operators and extended statistics: one ``modified`` change per object.
A dropped collation or operator is ``breaking`` (columns, indexes and queries name them);
statistics only steer the planner (``info``)."""

from __future__ import annotations

from driftwatch import model
from driftwatch.diff.base import Comparator
from driftwatch.diff.changes import BREAKING


class CollationComparator(Comparator[model.Collation]):
    kind = "collation"
    removed_severity = BREAKING


class OperatorComparator(Comparator[model.Operator]):
    kind = "operator"
    removed_severity = BREAKING


class StatisticsComparator(Comparator[model.Statistics]):
    kind = "statistics"
