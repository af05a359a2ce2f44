"""Render the reference docs of a snapshot into a directory, incrementally.

Every page has a *key*: a digest of everything that can change its bytes (its object,
the foreign keys and paths of its neighbours, its findings, the templates and options).
The manifest ``<DIR>/.driftwatch-docs.json`` remembers, per generated file, its key, its
sha256 and size. A page whose key is unchanged and whose file is still there with the
recorded size is not rendered at all; a rendered page is written (atomically) only if its
bytes differ from the file on disk. Files listed in the old manifest but no longer
generated are removed; files driftwatch did not generate are never touched.

Interrupted (Ctrl-C: KeyboardInterrupt) while the pages are written,
the run takes back the files it created, keeps the ones it rewrote in place (the old index
still links them) and records exactly those in the manifest; the index pages, the removal
of stale files and the manifest are then written with SIGINT held off, so the directory
always describes itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from driftwatch import config as configmod
from driftwatch import model, progress
from driftwatch import snapshot as snapmod
from driftwatch.docs import assets
from driftwatch.docs import mkdocs as mkdocsmod
from driftwatch.docs.er import _cardinality
from driftwatch.docs.groups import load_groups
from driftwatch.docs.index import index_pages
from driftwatch.docs.naming import is_safe_relpath
from driftwatch.docs.pages import (
    FindingRow,
    PageOptions,
    function_page,
    table_page,
    view_page,
)
from driftwatch.docs.site import INDEX, RULES_DIR, SNAPSHOT, Site, build_site
from driftwatch.docs.templating import Templates
from driftwatch.errors import ConfigError, DriftwatchError, OutputError
from driftwatch.fileio import atomic_write, read_input
from driftwatch.findings import Finding
from driftwatch.rules import REGISTRY
from driftwatch.rules import _docs as rule_docs

MANIFEST = ".driftwatch-docs.json"
MANIFEST_FORMAT = "driftwatch.docs-manifest/1"
RENDER_VERSION = "2"


@dataclass(frozen=True)
class RenderResult:
    written: tuple[str, ...]  # DIR-relative paths (mkdocs.yml: as given)
    removed: tuple[str, ...]
    unchanged: int
    rendered: int  # pages whose template actually ran

    @property
    def summary(self) -> str:
        return (
            f"docs: {len(self.written)} written, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged"
        )


@dataclass(frozen=True, slots=True)
class Entry:
    sha256: str
    size: int
    key: str


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- manifest


def read_manifest(out: Path) -> tuple[dict[str, Entry], str | None]:
    """The previous run's files and snapshot digest; unreadable → nothing is ours."""
    try:
        doc = orjson.loads(read_input(out / MANIFEST, what="docs manifest", kind="file_size"))
    except (DriftwatchError, orjson.JSONDecodeError):
        return {}, None
    if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT:
        return {}, None
    files: dict[str, Entry] = {}
    raw = doc.get("files")
    if isinstance(raw, dict):
        for path, e in raw.items():
            if (
                isinstance(path, str)
                and is_safe_relpath(path)
                and isinstance(e, dict)
                and isinstance(e.get("sha256"), str)
                and isinstance(e.get("size"), int)
                and isinstance(e.get("key"), str)
            ):
                files[path] = Entry(e["sha256"], e["size"], e["key"])
    digest = doc.get("snapshot_digest")
    return files, digest if isinstance(digest, str) else None


def manifest_bytes(files: dict[str, Entry], snapshot_digest: str) -> bytes:
    doc = {
        "format": MANIFEST_FORMAT,
        "snapshot_digest": snapshot_digest,
        "files": {
            p: {"sha256": e.sha256, "size": e.size, "key": e.key} for p, e in sorted(files.items())
        },
    }
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


# --------------------------------------------------------------------------- keys


def _h(*parts: Any) -> str:
    return _sha(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS, default=model.to_data))


def table_key(site: Site, base: str, key: str) -> str:
    """Everything a table page shows, hashed, without building its rows.

    Reads the snapshot's JSON-native tree, so no dataclass is converted on this path.
    """
    tables = site.snapshot.objects.tables
    data = site.snapshot.data["tables"]
    table = tables[key]
    linked = {c.references.table for c in table.constraints.values() if c.references}
    linked.update(table.inherits)
    if table.partition_of:
        linked.add(table.partition_of)
    incoming = [
        (
            fk.source,
            site.relation_path(fk.source),
            fk.name,
            data[fk.source]["constraints"][fk.name],
            _cardinality(tables[fk.source], fk.constraint),
        )
        for fk in site.incoming.get(key, [])
    ]
    return _h(
        base,
        site.paths[f"table:{key}"],
        data[key],
        incoming,
        sorted((t, site.relation_path(t)) for t in linked),
        site.table_group.get(key),
        site.findings.get(f"table:{key}", []),
    )


# --------------------------------------------------------------------------- render


class _Writer:
    def __init__(self, out: Path, old: dict[str, Entry]) -> None:
        self.out = out
        self.old = old
        self.new: dict[str, Entry] = {}
        self.written: list[str] = []
        self.created: list[str] = []  # written where no file was: taken back if interrupted
        self.unchanged = 0
        self.rendered = 0

    def still_valid(self, path: str, key: str) -> bool:
        """Carry the old entry over when the key matches and the file looks untouched."""
        e = self.old.get(path)
        if e is None or e.key != key:
            return False
        try:
            st = os.stat(self.out / path)
        except OSError:
            return False
        if st.st_size != e.size:
            return False
        self.new[path] = e
        self.unchanged += 1
        return True

    def put(self, path: str, key: str, data: bytes) -> None:
        if not is_safe_relpath(path):  # pragma: no cover - paths are built safe
            raise OutputError(f"refusing to write unsafe path {path!r}")
        target = self.out / path
        try:
            current = target.read_bytes() if target.is_file() else None
        except OSError:
            current = None
        if current is not None and current != data and path not in self.old:
            # Not in the manifest: a file of the user's (a hand-written README.md, say).
            raise OutputError(
                f"refusing to overwrite {target}: driftwatch did not write it (it is not in "
                f"{self.out / MANIFEST}); move it away or choose another output directory"
            )
        if current != data:
            if current is None and not target.exists():
                self.created.append(path)
            atomic_write(target, data, parents=True)
            self.written.append(path)
        else:
            self.unchanged += 1
        self.new[path] = Entry(_sha(data), len(data), key)


def _inside(out: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(out.resolve())
    except (ValueError, OSError):
        return False
    return True


def _remove_stale(out: Path, old: dict[str, Entry], new: dict[str, Entry]) -> list[str]:
    removed = []
    dirs: set[Path] = set()
    for path in sorted(set(old) - set(new)):
        target = out / path
        if not _inside(out, target.parent) or target.is_symlink() or not target.is_file():
            continue
        try:
            target.unlink()
        except OSError as exc:
            raise OutputError(f"cannot remove {target}: {exc.strerror or exc}") from None
        removed.append(path)
        parent = target.parent
        while parent != out and _inside(out, parent):
            dirs.add(parent)
            parent = parent.parent
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            d.rmdir()  # only succeeds when empty: user files keep their directory
    return removed


def page_options(cfg: configmod.Config) -> PageOptions:
    url = cfg.docs.rule_docs
    if url and not re.match(r"^https?://", url, re.I):
        raise ConfigError(
            f"docs.rule_docs: {url!r} is not an http(s) URL (leave it empty to write the"
            " rule pages into the docs output, under _rules/)"
        )
    return PageOptions(
        app_roles=tuple(cfg.tenancy.app_roles),
        rule_docs=url,
        rules=() if url else tuple(sorted(REGISTRY)),
        site_name=cfg.docs.site_name,
        er_neighbours=cfg.docs.er_neighbours,
    )


def _other_pages(site: Site) -> Iterator[tuple[str, str, str]]:
    objs = site.snapshot.objects
    for key in sorted(objs.views):
        yield "view", key, "view.md.j2"
    for key in sorted(objs.materialized_views):
        yield "materialized_view", key, "view.md.j2"
    for key in sorted(objs.functions):
        yield "function", key, "function.md.j2"


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT off for a short, final step; a Ctrl-C meanwhile is raised after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _take_back(out: Path, w: _Writer, old_digest: str | None) -> None:
    """After an interrupt: remove the files this run created and record what is left, so
    the old index and the manifest describe exactly the pages on disk."""
    _remove_stale(out, {p: Entry("", 0, "") for p in w.created}, {})
    kept = {p: e for p, e in w.old.items() if (out / p).is_file()}
    kept.update({p: e for p, e in w.new.items() if p in w.old})
    if kept or (out / MANIFEST).exists():
        atomic_write(out / MANIFEST, manifest_bytes(kept, old_digest or ""))


def render(
    snap: model.Snapshot,
    findings: list[Finding],
    cfg: configmod.Config,
    out_dir: str | Path,
    *,
    mkdocs: bool | None = None,
) -> RenderResult:
    """Bring ``out_dir`` up to date with ``snap`` (and its audit ``findings``)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(f"docs output {out} exists and is not a directory")
    with_mkdocs = mkdocs if mkdocs is not None else cfg.docs.mkdocs
    groups = load_groups(cfg.docs.groups)
    site = build_site(snap, groups, sorted(findings))
    templates = Templates(cfg.docs.templates)
    opts = page_options(cfg)
    mermaid = assets.mermaid_js(cfg) if with_mkdocs else None
    base = _h(
        RENDER_VERSION,
        templates.digest,
        model.to_data(opts),
        [(g.name, g.patterns, g.description) for g in groups],
    )
    old, old_digest = read_manifest(out)
    w = _Writer(out, old)
    objs = snap.objects
    total = len(objs.tables) + len(objs.views) + len(objs.materialized_views)
    total += len(objs.functions)
    try:
        with progress.bar("docs", total=total, unit="page") as bar:
            for key in sorted(objs.tables):
                path = site.paths[f"table:{key}"]
                k = table_key(site, base, key)
                if not w.still_valid(path, k):
                    w.rendered += 1
                    w.put(path, k, templates.render("table.md.j2", table_page(site, opts, key)))
                bar.update()
            for kind, key, template in _other_pages(site):
                path = site.paths[f"{kind}:{key}"]
                ctx = (
                    function_page(site, opts, key)
                    if kind == "function"
                    else view_page(site, opts, kind, key)
                )
                k = _h(base, path, ctx)
                if not w.still_valid(path, k):
                    w.rendered += 1
                    w.put(path, k, templates.render(template, ctx))
                bar.update()
            if not opts.rule_docs:
                for name, text in sorted(rule_docs.pages().items()):
                    data = text.encode("utf-8")
                    w.put(f"{RULES_DIR}/{name}", _sha(data), data)
            if mermaid is not None:
                for name, src in mermaid.items():
                    data = src.read_bytes()
                    w.put(name, _sha(data), data)
            if old_digest == snap.digest and w.still_valid(SNAPSHOT, snap.digest):
                pass
            else:
                w.put(SNAPSHOT, snap.digest, snapmod.dumps(snap))
    except KeyboardInterrupt:
        with _sigint_held():
            _take_back(out, w, old_digest)
        raise

    with _sigint_held():
        common = {"site_name": opts.site_name}
        other = [
            FindingRow(
                f.severity,
                f.rule,
                opts.rule_href(INDEX, f.rule),
                f.object,
                f.message,
                f.remediation,
            )
            for f in site.unplaced_findings
        ]
        rules_href = f"{RULES_DIR}/README.md" if not opts.rule_docs else None
        ipages = index_pages(site, common, other, rules_href)
        for page in ipages:
            k = _h(base, page.path, page.context)
            if not w.still_valid(page.path, k):
                w.rendered += 1
                w.put(page.path, k, templates.render(page.template, page.context))

        removed = _remove_stale(out, old, w.new)

        written = list(w.written)
        if with_mkdocs:
            target = mkdocsmod.config_path(cfg, out)
            extras = mkdocsmod.Extras(
                tuple(sorted(mermaid)) if mermaid else (),
                tuple(
                    p
                    for p in ipages
                    if p.template == "listing.md.j2" and p.context["kind"] != "incoming"
                ),
                rules_href,
            )
            if mkdocsmod.write(target, site, cfg, out, extras):
                written.append(str(target))
            else:
                w.unchanged += 1

        if old != w.new or old_digest != snap.digest:
            atomic_write(out / MANIFEST, manifest_bytes(w.new, snap.digest), parents=True)
    return RenderResult(tuple(written), tuple(removed), w.unchanged, w.rendered)
