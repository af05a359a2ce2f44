"""Event triggers: functions run on DDL, database-wide (``info``; a new or changed one is
worth reading: it runs on every matching command, whoever issues it)."""

from __future__ import annotations

from driftwatch import model
from driftwatch.diff.base import Comparator


class EventTriggerComparator(Comparator[model.EventTrigger]):
    kind = "event_trigger"
