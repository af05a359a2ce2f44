"""Triggers of tables and views (``info``). ``pg_get_triggerdef`` text names the trigger;
a trigger renamed keeps its definition (name blanked), events and function."""

from __future__ import annotations

import dataclasses

from driftwatch import model
from driftwatch.diff.members import MemberComparator, Owner


class TriggerComparator(MemberComparator[model.Trigger]):
    kind = "trigger"
    shape_fields = ("definition", "events", "function")
    definition_names_itself = True

    def fixed(self, owner: Owner, obj: model.Trigger) -> model.Trigger:
        return dataclasses.replace(obj, definition=owner.subst(obj.definition))


TRIGGERS = TriggerComparator()
