"""Field-level detail of modified changes (``Change.fields``, DeepDiff on the field deltas
of changed objects only): what the JSON carries, when text spells the leaves, and that a
diff which is only counted never loads DeepDiff (no database)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import orjson

from driftwatch import model
from driftwatch.diff import diff
from driftwatch.diff.fields import FieldChange, path_text
from driftwatch.diff.render import render


def _one(old: model.Objects, new: model.Objects) -> dict[str, object]:
    doc = orjson.loads(render(diff(old, new), "json"))
    assert len(doc["changes"]) == 1
    change: dict[str, object] = doc["changes"][0]
    return change


def test_map_and_list_leaves_are_named() -> None:
    role = model.Role(
        login=True, member_of=("a", "c"), settings={"search_path": "public", "work_mem": "4MB"}
    )
    changed = dataclasses.replace(
        role, member_of=("a", "b", "c"), settings={"search_path": "app", "statement_timeout": "5s"}
    )
    result = diff(model.Objects(roles={"r": role}), model.Objects(roles={"r": changed}))
    (ch,) = result.changes
    assert ch.fields() == (
        FieldChange(("member_of", 1), None, "b"),
        FieldChange(("settings", "search_path"), "public", "app"),
        FieldChange(("settings", "statement_timeout"), None, "5s"),
        FieldChange(("settings", "work_mem"), "4MB", None),
    )
    doc = _one(model.Objects(roles={"r": role}), model.Objects(roles={"r": changed}))
    assert doc["fields"] == [
        {"path": ["member_of", 1], "before": None, "after": "b"},
        {"path": ["settings", "search_path"], "before": "public", "after": "app"},
        {"path": ["settings", "statement_timeout"], "before": None, "after": "5s"},
        {"path": ["settings", "work_mem"], "before": "4MB", "after": None},
    ]
    # the whole fields stay in before/after, as they always were
    assert doc["before"] == {"member_of": ["a", "c"], "settings": role.settings}


def test_scalar_only_changes_carry_no_detail() -> None:
    t = model.Table(kind="table", owner="o", comment="a")
    old, new = (
        model.Objects(tables={"p.t": t}),
        model.Objects(tables={"p.t": dataclasses.replace(t, comment="b")}),
    )
    (ch,) = diff(old, new).changes
    assert ch.fields() == ()
    assert "fields" not in _one(old, new)
    added = diff(model.Objects(), new).changes
    assert all(c.fields() == () for c in added)


def test_a_long_map_is_spelled_by_its_changed_leaves_in_text() -> None:
    tables = {
        f"public.t{i:03d}": model.PublicationTable(row_filter=f"(id > {i})") for i in range(40)
    }
    pub = model.Publication(owner="o", all_tables=False, operations=("insert",), tables=tables)
    wider = dict(tables)
    wider["public.t007"] = model.PublicationTable()
    changed = dataclasses.replace(pub, tables=wider)
    result = diff(
        model.Objects(publications={"p": pub}), model.Objects(publications={"p": changed})
    )
    text = render(result, "text")
    assert 'tables["public.t007"].row_filter: (id > 7) → null' in text
    assert "…" not in text.splitlines()[-1]
    md = render(result, "markdown")
    assert 'tables["public.t007"].row_filter: (id > 7) → null' in md
    short = dataclasses.replace(pub, tables={"public.a": model.PublicationTable()})
    shorter = dataclasses.replace(pub, tables={})
    line = render(
        diff(model.Objects(publications={"p": short}), model.Objects(publications={"p": shorter})),
        "text",
    ).splitlines()[-1]
    assert 'tables: {"public.a":{"columns":null,"row_filter":null}} → {}' in line


def test_path_text() -> None:
    assert path_text(("labels", 1)) == "labels[1]"
    assert path_text(("settings", "work_mem")) == "settings.work_mem"
    assert path_text(("settings", "pgrst.db_schemas")) == 'settings["pgrst.db_schemas"]'
    assert path_text(("attributes", 'a"b', "type")) == 'attributes["a\\"b"].type'


def test_counting_a_diff_does_not_load_deepdiff() -> None:
    code = (
        "import sys\n"
        "from driftwatch import model\n"
        "from driftwatch.diff import diff\n"
        "from driftwatch.diff.render import render\n"
        "a = model.Objects(enums={'p.e': model.Enum(labels=('x', 'y'), owner='o')})\n"
        "b = model.Objects(enums={'p.e': model.Enum(labels=('x',), owner='o')})\n"
        "r = diff(a, b)\n"
        "assert r.counts()['total'] == 1\n"
        "render(r, 'text')\n"
        "assert 'deepdiff' not in sys.modules, 'loaded before a detail was asked for'\n"
        "render(r, 'json')\n"
        "assert 'deepdiff' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))
