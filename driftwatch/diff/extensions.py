"""Extensions: added, removed, version or schema changed (all ``info``)."""

from __future__ import annotations

from driftwatch import model
from driftwatch.diff.base import Comparator


class ExtensionComparator(Comparator[model.Extension]):
    kind = "extension"
