"""Diff engine on model objects (no database) and the text/JSON/Markdown renderers
against golden files (``tests/golden/diff.{txt,md,json}``; regenerate with
``DRIFTWATCH_UPDATE_GOLDEN=1``)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import orjson

from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.diff import DiffOptions, diff
from driftwatch.diff.render import render

GOLDEN = Path(__file__).parent / "golden"
META = model.Meta(
    taken_at="2024-05-01T12:00:00Z",
    target="t",
    database="db",
    server_version="15.0",
    driftwatch_version="test",
)


def col(pos: int, type_: str = "text", nullable: bool = True, **kw: object) -> model.Column:
    return model.Column(position=pos, type=type_, nullable=nullable, **kw)  # type: ignore[arg-type]


def base_objects() -> model.Objects:
    orders = model.Table(
        kind="table",
        owner="postgres",
        rls=model.Rls(enabled=True, forced=True),
        columns={
            "id": col(1, "bigint", False),
            "status": col(2),
            "note": col(3),
            "total": col(4, "numeric"),
        },
        policies={
            "orders_read": model.Policy("SELECT", True, ("authenticated",), "(org = auth.org())"),
            "orders_old": model.Policy("DELETE", True, ("authenticated",), "false"),
        },
        grants={"authenticated": ("SELECT",)},
    )
    audit = model.Table(kind="table", owner="postgres", columns={"id": col(1, "bigint", False)})
    return model.Objects(
        schemas={"public": model.Schema(owner="postgres")},
        tables={"public.orders": orders, "public.audit_log": audit},
        views={
            "public.v": model.View(definition="SELECT 1", owner="postgres", security_invoker=True)
        },
        functions={
            "public.f()": model.Function(
                kind="function",
                arguments="",
                returns="int",
                language="sql",
                volatility="stable",
                security_definer=False,
                owner="postgres",
                body="select 1",
            )
        },
        enums={"public.status": model.Enum(labels=("a", "b", "c"), owner="postgres")},
    )


def changed_objects() -> model.Objects:
    o = base_objects()
    orders = o.tables["public.orders"]
    cols = dict(orders.columns)
    cols["status"] = dataclasses.replace(cols["status"], type="integer", nullable=False)
    cols["remark"] = dataclasses.replace(cols.pop("note"))  # renamed, same position
    cols["created_at"] = col(5, "timestamptz", False, default="now()")
    policies = dict(orders.policies)
    del policies["orders_old"]
    policies["orders_read"] = dataclasses.replace(policies["orders_read"], using="true")
    orders = dataclasses.replace(
        orders,
        columns=cols,
        policies=policies,
        rls=model.Rls(enabled=True, forced=False),
        grants={"authenticated": ("SELECT",), "anon": ("SELECT",)},
    )
    audit = dataclasses.replace(o.tables["public.audit_log"], comment="append only")
    return dataclasses.replace(
        o,
        tables={"public.orders": orders, "public.audit_log": audit},
        views={"public.v": dataclasses.replace(o.views["public.v"], security_invoker=False)},
        functions={
            "public.f()": dataclasses.replace(o.functions["public.f()"], security_definer=True)
        },
        enums={"public.status": model.Enum(labels=("a", "c"), owner="postgres")},
    )


def snaps() -> tuple[model.Snapshot, model.Snapshot]:
    return snapmod.make(META, base_objects()), snapmod.make(META, changed_objects())


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DRIFTWATCH_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from the golden file"


def test_expected_changes_and_severities() -> None:
    result = diff(*snaps())
    got = [(c.kind, c.object, c.change, c.severity) for c in result.changes]
    assert got == [
        ("table", "public.audit_log", "modified", "info"),
        ("function", "public.f()", "modified", "security"),
        ("column", "public.orders.created_at", "added", "info"),
        ("column", "public.orders.remark", "renamed", "breaking"),
        ("column", "public.orders.status", "modified", "breaking"),
        ("rls", "public.orders", "modified", "security"),
        ("policy", "public.orders.orders_old", "removed", "breaking"),  # permissive: tightened
        ("policy", "public.orders.orders_read", "modified", "security"),
        ("grant", "public.orders", "added", "security"),
        ("enum", "public.status", "modified", "breaking"),
        ("view", "public.v", "modified", "security"),
    ]
    assert result.counts() == {"security": 5, "breaking": 4, "info": 2, "total": 11}


def test_golden_text_markdown_json() -> None:
    result = diff(*snaps())
    _golden("diff.txt", render(result, "text"))
    _golden("diff.md", render(result, "markdown"))
    _golden("diff.json", render(result, "json"))
    doc = orjson.loads(render(result, "json"))
    assert doc["format"] == "driftwatch.diff/1"
    assert set(doc["changes"][0]) == {"kind", "object", "change", "before", "after", "severity"}
    policy = [c for c in doc["changes"] if c["kind"] == "policy"]
    assert policy and all({"verdict", "why"} <= set(c) for c in policy)


def test_color_only_when_asked() -> None:
    result = diff(*snaps())
    assert "\033[" not in render(result, "text")
    assert "\033[" in render(result, "text", color=True)


def test_deterministic_whatever_the_insertion_order() -> None:
    a, b = snaps()
    rev = model.Objects(
        **{k: dict(reversed(list(getattr(b.objects, k).items()))) for k in model.OBJECT_KINDS}
    )
    assert render(diff(a, b), "json") == render(diff(a, snapmod.make(META, rev)), "json")


def test_ignore_rules_and_verbose_listing() -> None:
    opts = DiffOptions(ignore_kinds=("grant",), ignore_objects=("public.audit_*",))
    result = diff(*snaps(), opts)
    assert {c.kind for c in result.changes}.isdisjoint({"grant"})
    assert all(not c.object.startswith("public.audit_log") for c in result.changes)
    assert sorted(i.rule for i in result.ignored) == ["kind grant", "object public.audit_*"]
    text = render(result, "text", verbose=True)
    assert "ignored 2 change(s)" in text and "(ignore kind grant)" in text
    quiet = render(result, "text")  # counted in the summary line, listed only with -v
    assert ", 2 ignored ([diff] settings; -v lists): " in quiet.splitlines()[0]
    assert "(ignore kind grant)" not in quiet
    schema_ignored = diff(*snaps(), DiffOptions(ignore_schemas=("pub*",)))
    assert schema_ignored.changes == () and len(schema_ignored.ignored) == 11
    assert "ignored" in orjson.loads(render(schema_ignored, "json", verbose=True))


def test_identical_and_empty() -> None:
    a, _ = snaps()
    assert diff(a, a).changes == ()
    assert render(diff(a, a), "text").startswith("no changes")
    empty = snapmod.make(META, model.Objects())
    added = diff(empty, a)
    assert {c.change for c in added.changes} == {"added"}
    assert {c.kind for c in added.changes} == {"schema", "table", "view", "function", "enum"}


def test_ambiguous_rename_is_removed_plus_added() -> None:
    t = model.Table(kind="table", owner="o", columns={"id": col(1)})
    old = model.Objects(tables={"public.a": t, "public.b": t})
    new = model.Objects(tables={"public.c": t, "public.d": t})
    got = {(c.object, c.change) for c in diff(old, new).changes}
    assert got == {
        ("public.a", "removed"),
        ("public.b", "removed"),
        ("public.c", "added"),
        ("public.d", "added"),
    }


def test_rls_unforced_is_security_enabled_is_info() -> None:
    t = model.Table(kind="table", owner="o", rls=model.Rls(True, True))
    un = dataclasses.replace(t, rls=model.Rls(True, False))
    off = dataclasses.replace(t, rls=model.Rls(False, False))

    def sev(a: model.Table, b: model.Table) -> str:
        return (
            diff(model.Objects(tables={"p.t": a}), model.Objects(tables={"p.t": b}))
            .changes[0]
            .severity
        )

    assert sev(t, un) == "security" and sev(t, off) == "security" and sev(off, t) == "info"
