"""Publications: what logical replication (Supabase Realtime) streams out of the database.

Streaming more is ``security``: a table added, a column list widened or dropped (all
columns), a row filter removed or changed, ``FOR ALL TABLES`` turned on, a schema added,
an operation added. Streaming less is ``info``; a dropped publication is ``breaking``
(its subscribers stop receiving changes).
"""

from __future__ import annotations

from typing import Any

from driftwatch import model
from driftwatch.diff.base import Comparator
from driftwatch.diff.changes import BREAKING, INFO, SECURITY, Severity


def streams_more(old: model.Publication, new: model.Publication) -> bool:
    if (new.all_tables and not old.all_tables) or set(new.schemas) - set(old.schemas):
        return True
    if set(new.operations) - set(old.operations):
        return True
    for table, now in new.tables.items():
        was = old.tables.get(table)
        if was is None:
            return True
        if now.columns is None and was.columns is not None:
            return True
        if now.columns is not None and set(now.columns) - set(was.columns or now.columns):
            return True
        if now.row_filter != was.row_filter and was.row_filter is not None:
            return True  # removed or rewritten: cannot tell it only narrows
    return False


class PublicationComparator(Comparator[model.Publication]):
    kind = "publication"
    added_severity = SECURITY
    removed_severity = BREAKING

    def modified_severity(
        self, old: model.Publication, new: model.Publication, before: dict[str, Any]
    ) -> Severity:
        return SECURITY if streams_more(old, new) else INFO
