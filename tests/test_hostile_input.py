"""Bad input through the CLI: one-line error, exit 2, nothing overwritten.

Corrupt, truncated, wrong-format and future-version snapshot files given to ``diff``;
configs with unknown keys, wrong types, bad cron expressions and unset ``${ENV}`` given to
``serve --once`` and ``check``. Each run has an ``-o`` file that must survive untouched.
Hostile identifiers in outputs (docs, SARIF, JSON) are in test_hostile_names below.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from driftwatch import idents
from driftwatch import snapshot as snapmod
from driftwatch.introspect import SnapshotOptions, take_snapshot

REPO = Path(__file__).resolve().parent.parent
OLD = b"previous output, must survive\n"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRIFTWATCH_", "DOCS_"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "driftwatch", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def _assert_clean_failure(r: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == code, r.stderr
    assert len(lines) == 1 and lines[0].startswith("driftwatch: error:"), r.stderr
    assert needle in lines[0], lines[0]
    assert "Traceback" not in r.stderr


VALID = orjson.loads(
    b'{"format": "driftwatch.snapshot/1", "digest": "x", "meta": {}, "objects": {}}'
)


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"", "not valid JSON"),
        (b"\x00\xff\xfe garbage", "not valid JSON"),
        (b'{"format": "driftwatch.snapshot/1", "digest": "sha256:ab', "not valid JSON"),
        (b"[1, 2, 3]", "top level is not an object"),
        (b'{"format": "driftwatch.findings/1", "findings": []}', "not a driftwatch snapshot"),
        (b'{"format": "driftwatch.snapshot/3", "objects": {}}', "upgrade driftwatch"),
        (b'{"format": "driftwatch.snapshot/1", "digest": "x"}', "invalid snapshot"),
    ],
    ids=["empty", "binary", "truncated", "array", "other-format", "future-version", "no-objects"],
)
def test_bad_snapshot_file_to_diff(tmp_path: Path, content: bytes, needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    out = tmp_path / "diff.json"
    out.write_bytes(OLD)
    r = _cli("diff", str(bad), str(bad), "--format", "json", "-o", str(out), cwd=tmp_path)
    _assert_clean_failure(r, 2, needle)
    assert out.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "diff.json"]


def test_truncated_real_snapshot_and_edited_digest(fresh_db: str, tmp_path: Path) -> None:
    snap = take_snapshot(fresh_db)
    data = snapmod.dumps(snap)
    out = tmp_path / "diff.json"
    out.write_bytes(OLD)
    for cut in (len(data) // 3, len(data) - 3):
        (tmp_path / "t.json").write_bytes(data[:cut])
        r = _cli("diff", str(tmp_path / "t.json"), fresh_db, "-o", str(out), cwd=tmp_path)
        _assert_clean_failure(r, 2, "not valid JSON")
    doc = orjson.loads(data)
    doc["objects"]["schemas"]["public"]["comment"] = "tampered"
    (tmp_path / "t.json").write_bytes(orjson.dumps(doc))
    r = _cli("diff", str(tmp_path / "t.json"), fresh_db, "-o", str(out), cwd=tmp_path)
    _assert_clean_failure(r, 2, "digest mismatch")
    r = _cli("diff", str(tmp_path / "missing.json"), fresh_db, "-o", str(out), cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == OLD


CONFIGS: dict[str, tuple[str, str]] = {
    "unknown key": ("bogus_key = 1\n", "unknown config key 'bogus_key'"),
    "unknown nested key": ('[server]\nlisten = "127.0.0.1:0"\nlsten = 1\n', "lsten"),
    "wrong type": ("state_dir = 5\n", "state_dir: expected a string"),
    "wrong list type": ('[[targets]]\nname = "x"\nschemas = "public"\n', "schemas"),
    "unset env": (
        '[[targets]]\nname = "x"\ndsn = "${DW_SURELY_UNSET_VAR}"\n',
        "${DW_SURELY_UNSET_VAR} is not set",
    ),
    "bad cron": (
        '[[targets]]\nname = "x"\ndsn = "postgresql://127.0.0.1:1/x"\nschedule = "61 * * * *"\n',
        "invalid cron expression",
    ),
    "bad duration": (
        '[[targets]]\nname = "x"\ndsn = "postgresql://127.0.0.1:1/x"\nschedule = "every soon"\n',
        "schedule",
    ),
    "not toml": ("[[targets\nname = ", "driftwatch.toml"),
}


@pytest.mark.parametrize("case", list(CONFIGS), ids=list(CONFIGS))
def test_bad_config_is_one_line_exit_2(tmp_path: Path, case: str) -> None:
    text, needle = CONFIGS[case]
    cfg = tmp_path / "driftwatch.toml"
    cfg.write_text(text)
    state = tmp_path / "state"
    r = _cli("serve", "--config", str(cfg), "--once", cwd=tmp_path)
    _assert_clean_failure(r, 2, needle)
    assert not state.exists()
    if case not in ("bad cron", "bad duration"):  # schedules only matter to serve
        out = tmp_path / "findings.json"
        out.write_bytes(OLD)
        r = _cli("check", "--config", str(cfg), "--target", "x", "-o", str(out), cwd=tmp_path)
        _assert_clean_failure(r, 2, needle)
        assert out.read_bytes() == OLD


# --------------------------------------------------------------------------- names

HOSTILE_NAMES = [
    "../../etc/passwd",
    "a/b",
    "new\nline",
    "tab\there",
    "# heading | pipe",
    "<script>alert(1)</script>",
    "[link](http://x)",
    "`code`",
    "CON",
    "aux",
    "nul.txt",
    "Case",
    "case",
    "é" * 31,
    "表" * 21,  # 63 bytes of 3-byte characters
    'q"uote',
]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def test_hostile_names_through_json_docs_and_sarif(
    make_db: Callable[[str], str], tmp_path: Path
) -> None:
    sql = []
    for i, name in enumerate(HOSTILE_NAMES):
        comment = name + "\n| x | <b>y</b> `z` ]]> " + "long " * 400
        sql.append(f"create table public.{_q(name)} (id int primary key, {_q(name[:50])} text)")
        sql.append(
            f"comment on table public.{_q(name)} is '{comment.replace(chr(39), chr(39) * 2)}'"
        )
        sql.append(f"create policy {_q(name[:40] + str(i))} on public.{_q(name)} using (true)")
        sql.append(f"alter table public.{_q(name)} enable row level security")
    dsn = make_db(";\n".join(sql))
    snap = take_snapshot(dsn, SnapshotOptions(include_schemas=("public",)))
    assert {idents.split_key(k)[1] for k in snap.objects.tables} == set(HOSTILE_NAMES)
    (tmp_path / "snap.json").write_bytes(snapmod.dumps(snap))
    assert snapmod.read(tmp_path / "snap.json") == snap  # exact round trip

    docs = tmp_path / "out" / "docs"
    r = _cli("docs", "--snapshot", str(tmp_path / "snap.json"), "-o", str(docs), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    for p in written:  # nothing escaped the output directory or the tmp dir
        assert p.resolve().is_relative_to(tmp_path.resolve())
        assert p == tmp_path / "snap.json" or p.resolve().is_relative_to(docs.resolve()), p
        name = p.name
        assert "/" not in name and "\n" not in name and "\t" not in name
        assert name.split(".")[0].upper() not in ("CON", "AUX", "NUL", "PRN"), name
    pages = [p for p in docs.rglob("*.md") if p.name != "README.md"]
    assert len({p.name.lower() for p in pages}) == len(pages)  # Case/case do not collide
    assert len(pages) >= len(HOSTILE_NAMES)
    for page in pages:
        text = page.read_text()
        assert "<script>" not in text  # HTML is escaped in Markdown

    r = _cli("check", "--snapshot", str(tmp_path / "snap.json"), "--format", "sarif", cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    sarif = orjson.loads(r.stdout)
    seen = {
        loc["logicalLocations"][0]["fullyQualifiedName"]
        for res in sarif["runs"][0]["results"]
        for loc in res.get("locations", [])
        if loc.get("logicalLocations")
    }
    assert any("new\nline" in s for s in seen) or any("<script>" in s for s in seen), sorted(seen)[
        :5
    ]
