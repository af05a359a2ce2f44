"""Reads that trust what driftwatch wrote: a snapshot file whose digest verifies is checked
for its envelope only and decoded object by object as it is used; the whole JSON Schema
runs when the digest fails and with ``--strict``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.cli import main
from driftwatch.diff import diff
from driftwatch.errors import SnapshotFormatError
from driftwatch.objectgroup import ObjectGroup

META = model.Meta("2026-01-01T00:00:00Z", None, "db", "15.4", "0.1.0", ("public",))


def _table(i: int, **extra: Any) -> dict[str, Any]:
    table = model.Table(
        kind="table",
        owner="postgres",
        columns={"id": model.Column(1, "uuid", False), "n": model.Column(2, "integer", True)},
        comment=f"table {i}",
    )
    return {**model.to_data(table), **extra}


def _snap(n: int = 50, **changes: dict[str, Any]) -> model.Snapshot:
    tables = {f"public.t{i:03d}": _table(i) for i in range(n)}
    tables.update(changes)
    data = model.to_data(model.Objects())
    data["tables"] = tables
    data["schemas"] = {"public": model.to_data(model.Schema(owner="postgres"))}
    return snapmod.make_from_data(META, data)


def test_own_layout_is_read_without_decoding() -> None:
    snap = _snap()
    read = snapmod.loads(snapmod.dumps(snap))
    assert read.digest == snap.digest
    tables = read.data["tables"]
    assert isinstance(tables, ObjectGroup) and tables.decoded() == 0
    assert read.data == snap.data  # decoding on use gives back the same objects
    assert read.objects == snap.objects


def test_compact_and_reindented_files_are_trusted_too() -> None:
    snap = _snap()
    for text in (
        snapmod.dumps(snap, indent=False),
        orjson.dumps(orjson.loads(snapmod.dumps(snap))),
    ):
        assert snapmod.loads(text).digest == snap.digest


def test_digest_verified_file_skips_object_validation_strict_does_not() -> None:
    bad = _snap(**{"public.bad": {"kind": "table"}})  # no owner: not schema-valid
    text = snapmod.dumps(bad)
    assert snapmod.loads(text).digest == bad.digest  # trusted: digest matches the content
    with pytest.raises(SnapshotFormatError, match=r"invalid snapshot at objects\.tables"):
        snapmod.loads(text, strict=True)


def test_failed_digest_is_validated_whole() -> None:
    bad = _snap(**{"public.bad": {"kind": "table"}})
    doc = orjson.loads(snapmod.dumps(bad))
    doc["digest"] = "sha256:" + "0" * 64
    with pytest.raises(SnapshotFormatError, match=r"invalid snapshot at objects\.tables"):
        snapmod.loads(orjson.dumps(doc))
    good = orjson.loads(snapmod.dumps(_snap()))
    good["objects"]["tables"]["public.t001"]["comment"] = "edited"
    with pytest.raises(SnapshotFormatError, match="digest mismatch"):
        snapmod.loads(orjson.dumps(good))


def test_envelope_is_checked_on_a_trusted_read() -> None:
    doc = orjson.loads(snapmod.dumps(_snap()))
    doc["meta"]["database"] = 5  # meta is outside the digest
    with pytest.raises(SnapshotFormatError, match="invalid snapshot at meta"):
        snapmod.loads(orjson.dumps(doc))
    doc = orjson.loads(snapmod.dumps(_snap()))
    doc["objects"]["gizmos"] = {}
    doc["digest"] = snapmod.digest_of(doc["objects"])
    with pytest.raises(SnapshotFormatError, match="invalid snapshot"):
        snapmod.loads(orjson.dumps(doc))


def test_edited_line_in_own_layout_fails_the_digest() -> None:
    text = snapmod.dumps(_snap())
    edited = text.replace(b'"comment":"table 7"', b'"comment":"table 8"', 1)
    assert edited != text
    with pytest.raises(SnapshotFormatError, match="digest mismatch"):
        snapmod.loads(edited)


def test_diff_of_two_files_decodes_only_the_changed_objects() -> None:
    old = snapmod.loads(snapmod.dumps(_snap()))
    changed = _table(7)
    changed["columns"]["extra"] = model.to_data(model.Column(3, "text", True))
    new = snapmod.loads(snapmod.dumps(_snap(**{"public.t007": changed})))
    result = diff(old, new)
    assert [c.object for c in result.changes] == ["public.t007.extra"]
    for side in (old, new):
        tables = side.data["tables"]
        assert isinstance(tables, ObjectGroup) and tables.decoded() == 1


def test_rewriting_a_read_snapshot_gives_the_same_bytes(tmp_path: Path) -> None:
    snap = _snap()
    text = snapmod.dumps(snap)
    snapmod.write(snapmod.loads(text), tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == text
    assert snapmod.hashed(snapmod.loads(text).data)[0] == snap.digest


def test_diff_cli_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = _snap(**{"public.bad": {"kind": "table"}})
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_bytes(snapmod.dumps(bad))
    b.write_bytes(snapmod.dumps(bad))
    assert main(["diff", str(a), str(b)]) == 0
    capsys.readouterr()
    assert main(["diff", "--strict", str(a), str(b)]) == 2
    assert "invalid snapshot at objects.tables" in capsys.readouterr().err


def test_a_key_that_looks_like_the_separator_reads_the_slow_way() -> None:
    snap = _snap(**{'public.a": b': _table(99)})
    text = snapmod.dumps(snap)
    fast = snapmod._read_layout(text)  # the key splits at its own '": '
    assert fast is None or fast[2] != snap.digest
    read = snapmod.loads(text)  # so the whole document is parsed instead
    assert read.digest == snap.digest and 'public.a": b' in read.data["tables"]
