"""Hostile identifiers and comments: file names stay inside DIR and unique, Markdown and
Mermaid stay well-formed, links resolve, and MkDocs builds the result with --strict."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_helpers import broken_links, make_config, markdown_files, mermaid_problems, snap_of

from driftwatch.docs import render
from driftwatch.docs.naming import encode, is_safe_relpath, md_text, unique_stems

HOSTILE_TABLES = [
    "../../etc/x",
    "a/b",
    "CON",
    "nul",
    "line\nbreak",
    "Orders",
    "orders",
    "ORDERS",
    "README",
    "index",
    "pipe|table",
    "`tick`",
    "<script>alert(1)</script>",
    "#heading",
    "~7E",
    "%2F",
    "dot.md",
    "café",
    "1starts_with_digit",
    "erDiagram",
    " spaced ",
]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema_sql() -> str:
    stmts = ['create schema "../x";', 'create schema "Weird Schema";']
    for i, name in enumerate(HOSTILE_TABLES):
        stmts.append(
            f"create table public.{_ident(name)} (id int primary key, "
            f'"col|{i}" text, "ref`{i}" int);'
        )
    stmts += [
        'create table "../x"."a/b" (id int primary key, '
        'p int references public."../../etc/x"(id), q int references public."Orders"(id));',
        'create table "Weird Schema"."x" (id int references public."a/b"(id));',
        'comment on table public."pipe|table" is '
        "'# not a heading | <script>alert(2)</script> `code`\n- not a list\n1. nor this';",
        'comment on column public."CON"."col|2" is \'a | b\nc\';',
        'create view public."v|<b>" as select id from public."Orders";',
        'alter table public."orders" enable row level security;',
        'create policy "p|<i>" on public."orders" for select using (true);',
        'create function public."f`n"(x int) returns int language sql as $$ select x $$;',
        'create function public."f`n"(x text) returns text language sql as $$ select x $$;',
    ]
    return "\n".join(stmts)


@pytest.fixture(scope="module")
def hostile_out(pg, tmp_path_factory):  # type: ignore[no-untyped-def]
    name = pg.create_db("dw_docs_hostile")
    try:
        from conftest import run_sql

        dsn = pg.dsn(name)
        run_sql(dsn, _schema_sql())
        snap = snap_of(dsn)
        tmp = tmp_path_factory.mktemp("hostile")
        out = tmp / "ref" / "database"
        cfg = make_config(tmp, rule_docs="https://example.invalid/rules", mkdocs=True)
        result = render(snap, [], cfg, out)
        yield snap, out, result
    finally:
        pg.drop_db(name)


def test_files_stay_inside_and_never_collide(hostile_out) -> None:  # type: ignore[no-untyped-def]
    snap, out, result = hostile_out
    root = out.resolve()
    all_files = [Path(d, f) for d, _, fs in os.walk(out) for f in fs]
    for f in all_files:
        assert f.resolve().is_relative_to(root), f
    assert not (out.parent.parent / "etc").exists()
    pages = [p for p in markdown_files(out) if p.name != "README.md"]
    relations = len(snap.objects.tables) + len(snap.objects.views)
    assert len(pages) == relations + len(snap.objects.functions)
    folded = [str(p.relative_to(out)).casefold() for p in pages]
    assert len(folded) == len(set(folded)), "case-insensitive collision"
    for p in pages:
        rel = p.relative_to(out).as_posix()
        assert is_safe_relpath(rel), rel
        assert p.name[:-3].casefold() not in {"con", "nul", "readme", "index"}
    assert set(result.written) >= {"README.md", "schema.json"}


def test_markdown_is_escaped_and_links_resolve(hostile_out) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = hostile_out
    assert broken_links(out) == []
    assert mermaid_problems(out) == []
    for page in markdown_files(out):
        text = page.read_text()
        assert "<script>" not in text
        assert "<b>" not in text and "<i>" not in text
        in_fence = False
        for line in text.split("\n"):
            if line.startswith("```"):
                in_fence = not in_fence
                continue
            if in_fence or not line.startswith("|"):
                continue
            # every table row has as many cells as its header: no raw '|' leaked
            assert line.endswith("|"), (page, line)
    index = (out / "README.md").read_text()
    headings = [h for h in index.split("\n") if h.startswith("#")]
    assert all(h.startswith(("# ", "## ")) for h in headings)
    pipe = next(p for p in markdown_files(out) if p.name.startswith("pipe~7Ctable"))
    text = pipe.read_text()
    assert "&#35; not a heading &#124; &#60;script&#62;" in text
    assert "<br>- not a list<br>1. nor this" in text


def _row_widths(text: str) -> set[int]:
    widths = set()
    for line in text.split("\n"):
        if line.startswith("| ") and line.endswith("|"):
            widths.add(len(re.findall(r"(?<!&#124;)\|", line)))
    return widths


def test_rows_have_consistent_widths(hostile_out) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = hostile_out
    con = next(p for p in markdown_files(out) if p.name.startswith("CON~~"))
    text = con.read_text()
    columns = text.split("## Columns", 1)[1].split("##", 1)[0]
    assert _row_widths(columns) == {9}
    assert "a &#124; b<br>c" in columns


def test_mkdocs_build_strict(hostile_out, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = hostile_out
    cfgfile = out.parent / "mkdocs.yml"
    assert cfgfile.read_text().startswith("# Generated by `driftwatch docs`")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.run(
        [str(mkdocs), "build", "--strict", "-q", "-f", str(cfgfile), "-d", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "site" / "README.html").is_file() or (
        tmp_path / "site" / "index.html"
    ).is_file()


def test_naming_units() -> None:
    assert encode("a/b") == "a~2Fb" and encode("../x") == "~2E~2E~2Fx"
    assert encode("~7E") == "~7E7E" and encode("~7E") != encode("~")
    stems = unique_stems(["Orders", "orders", "ORDERS", "CON", "x"])
    assert stems["orders"] == "orders" and stems["x"] == "x"
    assert stems["Orders"].startswith("Orders~~") and stems["CON"].startswith("CON~~")
    assert len({s.casefold() for s in stems.values()}) == 5
    assert not is_safe_relpath("../x.md") and not is_safe_relpath("/etc/x.md")
    assert not is_safe_relpath("a/../b.md") and is_safe_relpath("public/a~2Fb.md")
    assert md_text("1. x") == "1&#46; x" and md_text("- y") == "&#45; y"
    assert md_text("a_b _c_") == "a_b &#95;c&#95;"
