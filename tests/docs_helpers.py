"""Shared helpers of the docs tests: config, snapshots, link and Mermaid checks."""

from __future__ import annotations

import hashlib
import html.parser
import os
import re
import urllib.parse
from pathlib import Path
from typing import Any

import markdown

import driftwatch
from driftwatch import config as configmod
from driftwatch import model
from driftwatch.config import load as configload

REPO = Path(__file__).resolve().parent.parent
GROUPS = REPO / "driftwatch" / "demo" / "table-groups.toml"

_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^(`{3,})mermaid\n(.*?)\n\1$", re.S | re.M)


def make_config(tmp: Path, **docs: Any) -> configmod.Config:
    data: dict[str, Any] = {"groups": str(GROUPS)}
    data.update(docs)
    return configload.from_dict({"docs": data})


def snap_of(dsn: str) -> model.Snapshot:
    return driftwatch.take(dsn, schemas=("public", "app*", "../*", "Wei*"))


def tree_state(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under root: sha256 and mtime (ns), to prove nothing was touched."""
    state = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            p = Path(dirpath, name)
            state[str(p.relative_to(root))] = (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                p.stat().st_mtime_ns,
            )
    return state


def markdown_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if p.is_file())


def broken_links(root: Path, extra_roots: tuple[Path, ...] = ()) -> list[str]:
    """Relative links in every page that do not point to an existing file."""
    bad = []
    for page in markdown_files(root):
        for href in _LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("#"):
                continue
            target = (page.parent / href.split("#", 1)[0]).resolve()
            if not target.is_file():
                bad.append(f"{page.relative_to(root)} -> {href}")
    return bad


class _Html(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if tag == "a" and name == "href" and value is not None:
                self.hrefs.append(value)


def _rendered(page: Path) -> _Html:
    """The page as MkDocs renders it (Python-Markdown, heading ids from the toc extension)."""
    body = markdown.markdown(
        page.read_text(encoding="utf-8"), extensions=["tables", "fenced_code", "toc"]
    )
    parser = _Html()
    parser.feed(body)
    return parser


def link_problems(root: Path) -> list[str]:
    """Every relative link of every page, rendered: its file exists and, for ``#anchor``,
    the target page has that heading id."""
    pages = {p: _rendered(p) for p in markdown_files(root)}
    bad = []
    for page, parsed in pages.items():
        for href in parsed.hrefs:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href):
                continue
            path, _, anchor = href.partition("#")
            target = (page.parent / urllib.parse.unquote(path)).resolve() if path else page
            name = f"{page.relative_to(root)} -> {href}"
            if not target.is_file():
                bad.append(name)
            elif anchor:
                ids = pages[target].ids if target in pages else set()
                if urllib.parse.unquote(anchor) not in ids:
                    bad.append(f"{name} (no such anchor)")
    return bad


_ENTITY = r"[A-Za-z_][A-Za-z0-9_]*"
_WORD = r"[A-Za-z_][A-Za-z0-9_\[\]]*"
_MERMAID_LINES = [
    re.compile(r"^erDiagram$"),
    re.compile(rf"^    {_ENTITY} \{{$"),
    re.compile(rf"^        {_WORD} {_WORD}( (PK|FK|UK)(, (PK|FK|UK))*)?$"),
    re.compile(r"^    \}$"),
    re.compile(rf'^    {_ENTITY} (\}}o|\|o)--(\|\||o\|) {_ENTITY} : "[A-Za-z0-9_ .-]+"$'),
]


def mermaid_problems(root: Path) -> list[str]:
    """Lines of ```mermaid blocks that do not follow the erDiagram grammar we emit."""
    problems = []
    for page in markdown_files(root):
        for _, body in _FENCE.findall(page.read_text(encoding="utf-8")):
            for line in body.split("\n"):
                if not any(p.match(line) for p in _MERMAID_LINES):
                    problems.append(f"{page.relative_to(root)}: {line!r}")
    return problems
