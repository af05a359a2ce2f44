"""Render the reference docs of a snapshot into a directory, incrementally.

Every page has a *key*: a digest of everything that can change its bytes (its object's
digest, the facts and paths of its neighbours, its findings, the templates and options).
The manifest ``<DIR>/.driftwatch-docs.json`` remembers, per generated file, its key, its
sha256 and size, and per object its digest and facts (``facts.py``). A page whose key is
unchanged and whose file is still there with the recorded size is not rendered at all; a
rendered page is written (atomically) only if its bytes differ from the file on disk.
Keys are computed from digests and facts, so only the objects of changed pages are
decoded; ``schema.json`` is rewritten from its previous version, encoding only the
objects that changed (``snapshot.chunks_from``). Files listed in the old manifest but no
longer generated are removed; files driftwatch did not generate are never touched.

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
from driftwatch.docs import facts as factsmod
from driftwatch.docs import mkdocs as mkdocsmod
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
from driftwatch.docs.site import INDEX, RULES_DIR, SNAPSHOT, Site, build_site, split_qualified
from driftwatch.docs.templating import Templates
from driftwatch.errors import ConfigError, DriftwatchError, OutputError
from driftwatch.fileio import atomic_write, read_input
from driftwatch.findings import Finding
from driftwatch.gctuning import collector_paused
from driftwatch.rules import REGISTRY
from driftwatch.rules import _docs as rule_docs

MANIFEST = ".driftwatch-docs.json"
MANIFEST_FORMAT = "driftwatch.docs-manifest/1"
RENDER_VERSION = "3"
FACTS_VERSION = "1"  # of the manifest's "objects" (``facts.py``): another one is ignored


@dataclass(frozen=True)
class RenderResult:
    written: tuple[str, ...]  # DIR-relative paths (mkdocs.yml: as given)
    removed: tuple[str, ...]
    unchanged: int
    rendered: int  # pages whose template actually ran
    decoded: int = 0  # objects whose facts were derived again (not taken from the manifest)

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


@dataclass(frozen=True)
class Manifest:
    files: dict[str, Entry]
    snapshot_digest: str | None
    objects: dict[str, Any]  # kind → key → [digest, facts] (``facts.stored``)


def read_manifest(out: Path) -> Manifest:
    """The previous run's files, snapshot digest and object facts; unreadable → nothing
    is ours."""
    try:
        doc = orjson.loads(read_input(out / MANIFEST, what="docs manifest", kind="file_size"))
    except (DriftwatchError, orjson.JSONDecodeError):
        return Manifest({}, None, {})
    if not isinstance(doc, dict) or doc.get("format") != MANIFEST_FORMAT:
        return Manifest({}, None, {})
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
    objects = doc.get("objects")
    if not isinstance(objects, dict) or doc.get("objects_format") != FACTS_VERSION:
        objects = {}
    return Manifest(files, digest if isinstance(digest, str) else None, objects)


def manifest_bytes(
    files: dict[str, Entry], snapshot_digest: str, objects: dict[str, Any] | None = None
) -> bytes:
    """The manifest, indented, with ``objects`` (when the facts are known) compact: they
    are most of its bytes and nobody reads them but the next render."""
    doc: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "snapshot_digest": snapshot_digest,
        "files": {
            p: {"sha256": e.sha256, "size": e.size, "key": e.key} for p, e in sorted(files.items())
        },
    }
    if objects is not None:
        doc["objects_format"] = FACTS_VERSION
        doc["objects"] = None
    body = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
    if objects is None:
        return body
    at = body.index(_OBJECTS_SLOT)  # keys are sorted: the only top-level "objects" line
    compact = orjson.dumps(objects, option=orjson.OPT_SORT_KEYS)
    return b"".join((body[: at + len(_OBJECTS_SLOT) - 4], compact, body[at + len(_OBJECTS_SLOT) :]))


_OBJECTS_SLOT = b'\n  "objects": null'


# --------------------------------------------------------------------------- keys


def _h(*parts: Any) -> str:
    return _sha(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS, default=model.to_data))


def _schema_dir(site: Site, key: str) -> str:
    return site.schema_dirs[split_qualified(key, set())[0]]


def table_key(site: Site, base: str, key: str) -> str:
    """Everything a table page shows, hashed, without decoding the table: its digest,
    the foreign keys into it (as their tables' facts give them), the paths it links."""
    fact = site.fact("table", key)
    incoming = [
        (
            fk.source,
            site.relation_path(fk.source),
            fk.name,
            fk.columns,
            fk.target_columns,
            fk.on_delete,
            fk.cardinality,
        )
        for fk in site.incoming.get(key, [])
    ]
    return _h(
        base,
        site.paths[f"table:{key}"],
        _schema_dir(site, key),
        site.digests["tables"][key],
        fact,
        incoming,
        [(t, site.relation_path(t)) for t in fact["linked"]],
        site.table_group.get(key),
        site.findings.get(f"table:{key}", []),
    )


def other_key(site: Site, base: str, kind: str, key: str) -> str:
    """The same for a view, materialized view or function page: its digest, the
    relations its body names (a view's) with their paths, its findings."""
    names = site.fact(kind, key).get("names", [])
    return _h(
        base,
        site.paths[f"{kind}:{key}"],
        _schema_dir(site, key),
        site.digests[f"{kind}s"][key],
        [(k, site.relation_path(k)) for k in names],
        site.findings.get(f"{kind}:{key}", []),
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
            st = os.stat(os.path.join(self.out, path))
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
    for key in sorted(site.facts["views"]):
        yield "view", key, "view.md.j2"
    for key in sorted(site.facts["materialized_views"]):
        yield "materialized_view", key, "view.md.j2"
    for key in sorted(site.facts["functions"]):
        yield "function", key, "function.md.j2"


def _put_snapshot(w: _Writer, snap: model.Snapshot) -> None:
    """Write ``schema.json``: from the previous one (``snapshot.chunks_from``) when the
    manifest lists it, streamed either way, so its 43 MB (at 10k tables) are never held."""
    target = w.out / SNAPSHOT
    if SNAPSHOT not in w.old and target.exists():
        w.put(SNAPSHOT, snap.digest, snapmod.dumps(snap))  # a file of the user's? put() checks
        return
    h = hashlib.sha256()
    size = 0

    def counted(chunks: Iterator[bytes]) -> Iterator[bytes]:
        nonlocal size
        for chunk in chunks:
            h.update(chunk)
            size += len(chunk)
            yield chunk

    created = not target.exists()
    try:
        if created or target.is_symlink() or not target.is_file():
            raise snapmod.NotLayout("no previous file")
        with open(target, "rb") as fh:
            atomic_write(target, counted(snapmod.chunks_from(fh, snap)), parents=True)
    except (ValueError, OSError):
        h, size = hashlib.sha256(), 0
        atomic_write(target, counted(snapmod.chunks(snap)), parents=True)
    if created:
        w.created.append(SNAPSHOT)
    w.written.append(SNAPSHOT)
    w.new[SNAPSHOT] = Entry(h.hexdigest(), size, snap.digest)


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


def _take_back(out: Path, w: _Writer, old: Manifest) -> None:
    """After an interrupt: remove the files this run created and record what is left, so
    the old index and the manifest describe exactly the pages on disk."""
    _remove_stale(out, {p: Entry("", 0, "") for p in w.created}, {})
    kept = {p: e for p, e in w.old.items() if (out / p).is_file()}
    kept.update({p: e for p, e in w.new.items() if p in w.old})
    if kept or (out / MANIFEST).exists():
        atomic_write(out / MANIFEST, manifest_bytes(kept, old.snapshot_digest or "", old.objects))


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
    # The planning builds tens of thousands of small acyclic objects next to a big live
    # snapshot: without the collector's full passes over both (0.3 s at 10k tables).
    with collector_paused():
        manifest = read_manifest(out)
        old, old_digest = manifest.files, manifest.snapshot_digest
        facts, digests, decoded = factsmod.collect(snap.data, manifest.objects)
        site = build_site(snap, groups, sorted(findings), (facts, digests))
    templates = Templates(cfg.docs.templates)
    opts = page_options(cfg)
    mermaid = assets.mermaid_js(cfg) if with_mkdocs else None
    base = _h(
        RENDER_VERSION,
        templates.digest,
        model.to_data(opts),
        [(g.name, g.patterns, g.description) for g in groups],
    )
    w = _Writer(out, old)
    total = sum(len(facts[k]) for k in ("tables", "views", "materialized_views", "functions"))
    try:
        with progress.bar("docs", total=total, unit="page") as bar:
            for key in sorted(facts["tables"]):
                path = site.paths[f"table:{key}"]
                k = table_key(site, base, key)
                if not w.still_valid(path, k):
                    w.rendered += 1
                    w.put(path, k, templates.render("table.md.j2", table_page(site, opts, key)))
                bar.update()
            for kind, key, template in _other_pages(site):
                path = site.paths[f"{kind}:{key}"]
                k = other_key(site, base, kind, key)
                if not w.still_valid(path, k):
                    ctx = (
                        function_page(site, opts, key)
                        if kind == "function"
                        else view_page(site, opts, kind, key)
                    )
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
            if old_digest != snap.digest or not w.still_valid(SNAPSHOT, snap.digest):
                _put_snapshot(w, snap)
    except KeyboardInterrupt:
        with _sigint_held():
            _take_back(out, w, manifest)
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
        with collector_paused():
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
            del extras
        del ipages  # the listings' rows, before the manifest is encoded

        with collector_paused():
            objects = factsmod.stored(facts, digests)
            if old != w.new or old_digest != snap.digest or objects != manifest.objects:
                body = manifest_bytes(w.new, snap.digest, objects)
                atomic_write(out / MANIFEST, body, parents=True)
    return RenderResult(tuple(written), tuple(removed), w.unchanged, w.rendered, decoded)
