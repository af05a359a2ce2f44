"""Table constraints (primary key, foreign key, unique, check, exclusion).

A constraint added or changed rejects writes that used to succeed: ``breaking``. A
dropped constraint is ``info``. Foreign keys pointing at a renamed table are read with
the new name, so a table rename is not also reported as a change to every referencing key.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from driftwatch import model
from driftwatch.diff.changes import BREAKING, Severity
from driftwatch.diff.members import MemberComparator, Owner


class ConstraintComparator(MemberComparator[model.Constraint]):
    kind = "constraint"

    def fixed(self, owner: Owner, obj: model.Constraint) -> model.Constraint:
        ref = obj.references
        if ref is not None:
            ref = dataclasses.replace(ref, table=owner.ctx.renamed_table(ref.table))
        return dataclasses.replace(
            obj,
            definition=owner.subst(obj.definition),
            columns=tuple(owner.subst(col) for col in obj.columns),
            references=ref,
        )

    def added_severity(self, owner: Owner, obj: model.Constraint) -> Severity:
        return BREAKING

    def modified_severity(
        self, owner: Owner, old: model.Constraint, new: model.Constraint, before: dict[str, Any]
    ) -> Severity:
        return BREAKING


CONSTRAINTS = ConstraintComparator()
