"""The docs output as a user gets it, outside the checkout: every relative link and anchor
resolves, ``mkdocs build --strict`` passes, a headless Chromium draws the ER diagram as an
SVG without any CDN, big schemas get paged index pages, and Ctrl-C leaves the previous
output describing itself."""

from __future__ import annotations

import functools
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from chromium_helpers import Chromium, chromium_path, mermaid_svgs, scrolling_tables
from conftest import generated_schema
from docs_helpers import GROUPS, broken_links, link_problems, markdown_files, snap_of

from driftwatch import config as configmod
from driftwatch import snapshot as snapmod
from driftwatch.config import load as configload
from driftwatch.docs import MANIFEST, index, pages, render
from driftwatch.docs.assets import STATIC
from driftwatch.rules import REGISTRY, audit

MKDOCS = Path(sys.executable).with_name("mkdocs")
ARTEFACTS = "driftwatch-docs-artefacts"
DOCS = (sys.executable, "-m", "driftwatch", "docs")


def user_config(folder: Path, **docs: object) -> configmod.Config:
    """A user's own config file with the sample's groups copied beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "groups.toml").write_bytes(GROUPS.read_bytes())
    lines = ["[docs]", 'groups = "groups.toml"'] + [
        f"{k} = {orjson.dumps(v).decode()}" for k, v in docs.items()
    ]
    (folder / "driftwatch.toml").write_text("\n".join(lines) + "\n")
    return configload.load(folder / "driftwatch.toml")


@pytest.fixture(scope="module")
def site_out(nexus_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    cfg = user_config(tmp / "project", mkdocs=True)
    snap = snap_of(nexus_db)
    out = tmp / "reference" / "database"
    render(snap, audit(snap, cfg), cfg, out)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "-q", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_groups_come_from_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no groups file here: the config's own folder counts
    cfg = user_config(tmp_path / "elsewhere")
    assert cfg.docs.groups == str(tmp_path / "elsewhere" / "groups.toml")
    assert configmod.Config().docs.groups is None  # nothing applies by accident


def test_every_link_and_anchor_resolves(site_out: Path) -> None:
    rules = {p.name for p in (site_out / "_rules").glob("*.md")}
    assert rules == {"README.md"} | {f"{r}.md" for r in REGISTRY}
    orders = (site_out / "public" / "orders.md").read_text()
    assert "](../_rules/" in orders  # findings link into the output itself
    assert broken_links(site_out) == []
    assert link_problems(site_out) == []


def test_link_walker_sees_a_broken_anchor(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\n[ok](b.md#second-part) [bad](b.md#nope)\n")
    (tmp_path / "b.md").write_text("# B\n\n## Second part\n\n[self](#b) [gone](c.md)\n")
    assert link_problems(tmp_path) == ["a.md -> b.md#nope (no such anchor)", "b.md -> c.md"]


def test_strict_build_and_chromium_draws_the_er_diagram(
    site_out: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = site_out.parent / "mkdocs.yml"
    text = config.read_text()
    assert "name: material" in text and '"_assets/mermaid.min.js"' in text
    site = tmp_path_factory.mktemp("built") / "site"
    proc = mkdocs_build(config, site)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (site / "_assets" / "mermaid.min.js").is_file()
    page = site / "public" / "order_items.html"
    assert 'class="mermaid"' in page.read_text()
    binary = chromium_path()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (scripts/ensure-tools.sh installs it)")
        pytest.skip("chromium is not installed (scripts/ensure-tools.sh installs it)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    artefacts = tmp_path_factory.getbasetemp() / ARTEFACTS
    artefacts.mkdir(exist_ok=True)
    shot = artefacts / "public-order_items.png"
    url = f"http://127.0.0.1:{server.server_address[1]}/public/order_items.html"
    try:
        try:
            svgs, tables = _draw(binary, url, shot, tmp_path_factory.mktemp("profile"))
        except RuntimeError:  # the browser died on a loaded machine: one more go, fresh
            svgs, tables = _draw(binary, url, shot, tmp_path_factory.mktemp("profile"))
    finally:
        server.shutdown()
        server.server_close()
    assert svgs, "the ER diagram was not drawn as an SVG"
    assert any(a == "aria-roledescription" for s in svgs for a in s.get("attributes", [])[::2])
    assert tables >= 5  # wide tables scroll inside their box instead of overflowing
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def _draw(binary: str, url: str, shot: Path, profile: Path) -> tuple[list[Any], int]:
    """Load ``url``, wait for Mermaid's SVG, screenshot the diagram; (svgs, scrolling tables)."""
    browser = Chromium(binary, profile)
    try:
        browser.open(url)
        root = browser.wait_for(lambda r: bool(mermaid_svgs(r)), timeout=90)
        svgs, tables = mermaid_svgs(root), scrolling_tables(root)
        if svgs:
            browser.evaluate(
                "const d = document.querySelector('div.mermaid');"
                "window.scrollTo(0, d.getBoundingClientRect().top + window.scrollY - 120)"
            )
            time.sleep(0.5)
        browser.screenshot(shot)
        return svgs, tables
    finally:
        browser.close()


def test_big_schema_gets_paged_index_pages(
    make_db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(index, "PAGE_ROWS", 5)
    monkeypatch.setattr(pages, "INCOMING_ROWS", 3)
    db = make_db(generated_schema(60))
    cfg = user_config(tmp_path / "project", mkdocs=True)
    out = tmp_path / "reference" / "database"
    snap = snap_of(db)
    render(snap, [], cfg, out)
    public = (out / "public" / "README.md").read_text()
    listing = out / "public" / "_index" / "tables-Customers~20~2F~20CRM"
    assert "Listed in pages: [1–5](_index/tables-Customers~20~2F~20CRM/1.md) · [6–" in public
    assert "customer_t00001" not in public  # the schema page only links the listings
    first, second = (listing / "1.md").read_text(), (listing / "2.md").read_text()
    assert "[next →](2.md)" in first and "[← previous](1.md)" in second
    assert "[Database reference](../../../README.md) › [public](../../README.md)" in first
    assert "| [public.customer_t00001](../../customer_t00001.md) | on |" in first
    assert first.count("\n| [public.") == 5
    # every tenant table references organizations: its page lists 3, listings hold all 59
    orgs = (out / "public" / "organizations.md").read_text()
    assert "The first 3 of 59: [all 59 incoming foreign keys]" in orgs
    assert "(_index/incoming-organizations/1.md)" in orgs
    refs = out / "public" / "_index" / "incoming-organizations"
    assert len(list(refs.glob("*.md"))) == 12  # 59 rows, 5 a page
    assert (
        "[public.organizations](../../organizations.md) › Foreign keys into"
        in (refs / "1.md").read_text()
    )
    assert link_problems(out) == []
    proc = mkdocs_build(out.parent / "mkdocs.yml", tmp_path / "site")
    assert proc.returncode == 0, proc.stderr[-3000:]
    # only index pages are listed in the nav of a paged schema, never every table
    assert "t_00001.md" not in (out.parent / "mkdocs.yml").read_text()


def _page_set(out: Path) -> set[str]:
    return {
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    }


def _consistent(out: Path) -> set[str]:
    """The manifest lists exactly the files on disk and every link resolves."""
    manifest = orjson.loads((out / MANIFEST).read_bytes())
    assert set(manifest["files"]) == _page_set(out)
    assert broken_links(out) == []
    return set(manifest["files"])


def _pages_in(folder: Path) -> int:
    try:
        return sum(1 for name in os.listdir(folder) if name.endswith(".md"))
    except OSError:
        return 0


def _interrupted_run(snapshot: Path, out: Path, pages: int, cfg: Path) -> int:
    """Start ``driftwatch docs``, SIGINT it once ``out/public`` holds ``pages`` pages (it
    writes tables first, in name order); its exit code."""
    proc = subprocess.Popen(
        [*DOCS, "--snapshot", str(snapshot), "-o", str(out), "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 240
    while _pages_in(out / "public") < pages and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "docs finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err
    return proc.returncode


def test_ctrl_c_leaves_the_previous_output_consistent(make_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    small = snap_of(make_db(generated_schema(40)))
    big = snap_of(make_db(generated_schema(1500)))
    (tmp_path / "small.json").write_bytes(snapmod.dumps(small))
    (tmp_path / "big.json").write_bytes(snapmod.dumps(big))
    user_config(tmp_path / "project")
    cfg = tmp_path / "project" / "driftwatch.toml"
    out = tmp_path / "out"

    # a first run interrupted: nothing is left that no manifest or index describes
    code = _interrupted_run(tmp_path / "big.json", out, 100, cfg)
    assert code == 130
    assert not (out / MANIFEST).exists() or _consistent(out) == set()
    assert not list(markdown_files(out)) if out.exists() else True

    # a complete run, then an interrupted run on a bigger schema
    subprocess.run(
        [*DOCS, "--snapshot", str(tmp_path / "small.json"), "-o", str(out), "--config", str(cfg)],
        check=True,
        capture_output=True,
    )
    before = _consistent(out)
    code = _interrupted_run(tmp_path / "big.json", out, 200, cfg)
    assert code == 130
    assert _consistent(out) == before
    assert _pages_in(out / "public") < 60  # the small schema's pages, not the 200 seen

    # the next run completes from there
    subprocess.run(
        [*DOCS, "--snapshot", str(tmp_path / "big.json"), "-o", str(out), "--config", str(cfg)],
        check=True,
        capture_output=True,
    )
    assert len(_consistent(out)) > 1500


def test_mermaid_asset_is_installed() -> None:
    """``make`` installs the pinned bundle (scripts/fetch-mermaid.sh) with its licence."""
    assert (STATIC / "mermaid.min.js").stat().st_size > 1_000_000
    assert "MIT" in (STATIC / "mermaid.LICENSE").read_text()
