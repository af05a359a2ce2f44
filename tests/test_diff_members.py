"""The member comparator (``diff/members.py``) on model objects (no database): one skeleton
for columns, constraints, indexes, policies, triggers and rules."""

from __future__ import annotations

import dataclasses

from driftwatch import model
from driftwatch.diff import diff
from driftwatch.diff.columns import COLUMNS
from driftwatch.diff.common import Context
from driftwatch.diff.members import Owner, renames_of

RULE = "CREATE RULE log_it AS ON INSERT TO public.t DO ALSO INSERT INTO public.log (x) VALUES (1);"


def table(col: str, enabled: str = "origin") -> model.Table:
    return model.Table(
        kind="table",
        owner="o",
        rls=model.Rls(True, False),
        columns={col: model.Column(1, "int", True)},
        indexes={
            f"t_{col}_idx": model.Index(
                f"CREATE INDEX t_{col}_idx ON public.t USING btree ({col})", (col,)
            )
        },
        rules={
            "log_it": model.Rule(RULE, "INSERT", False),
            "other": model.Rule(RULE.replace("log_it", "other"), "INSERT", False, enabled),
        },
    )


def test_a_column_rename_is_followed_by_the_other_members() -> None:
    got = {
        (c.kind, c.object, c.change, c.severity)
        for c in diff(
            model.Objects(tables={"public.t": table("x")}),
            model.Objects(tables={"public.t": table("y", "disabled")}),
        ).changes
    }
    # the index is renamed (its definition, with its own name blanked, reads the new column);
    # rule log_it names another table's column x and did not change: not reported (read
    # with the rename applied, it would look changed)
    assert got == {
        ("column", "public.t.y", "renamed", "breaking"),
        ("index", "public.t.t_y_idx", "renamed", "info"),
        ("rule", "public.t.other", "modified", "security"),
    }


def test_renames_of_reads_the_renamed_changes() -> None:
    old = {"a": model.Column(1, "int", True), "b": model.Column(2, "text", True)}
    new = {"c": old["a"], "b": dataclasses.replace(old["b"], nullable=False)}
    changes = COLUMNS.compare(Owner("public.t", Context()), old, new)
    assert renames_of(changes, "column") == {"a": "c"}
    assert [(c.object, c.change) for c in changes] == [
        ("public.t.c", "renamed"),
        ("public.t.b", "modified"),
    ]
