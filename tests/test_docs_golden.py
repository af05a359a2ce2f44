"""Golden pages of the Nexus sample: index, a tenant table, a child table, a global table
and a view. Regenerate with ``DRIFTWATCH_UPDATE_GOLDEN=1 pytest tests/test_docs_golden.py``.

Findings are a fixed list (not the live audit), so these files change only when the docs
generator or the Nexus schema changes, not when a rule's wording does.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docs_helpers import REPO, broken_links, make_config, mermaid_problems, snap_of

from driftwatch import model
from driftwatch.docs import render
from driftwatch.findings import Finding

GOLDEN = REPO / "tests" / "golden" / "docs"
PAGES = [
    "README.md",
    "public/README.md",
    "public/orders.md",  # tenant table
    "public/order_items.md",  # child table (scoped through orders)
    "public/platform_settings.md",  # global table
    "public/orders_summary.md",  # view
]
FINDINGS = [
    Finding(
        "rls-not-forced",
        "info",
        "public.orders",
        "RLS on public.orders is not forced",
        "ALTER TABLE public.orders FORCE ROW LEVEL SECURITY;",
        "g1",
    ),
    Finding(
        "policy-initplan",
        "info",
        "public.order_items.order_items_select",
        "auth.jwt() is called per row",
        "",
        "g2",
    ),
    Finding(
        "view-bypasses-rls",
        "error",
        "public.orders_summary",
        "view reads RLS tables without security_invoker",
        "",
        "g3",
    ),
]


@pytest.fixture(scope="module")
def nexus_docs(nexus_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    snap = snap_of(nexus_db)
    # the database name is random per test run; the schema (and its digest) is not
    snap = model.Snapshot(
        dataclasses.replace(snap.meta, database="nexus"), snap.objects, snap.digest
    )
    tmp = tmp_path_factory.mktemp("nexus")
    cfg = make_config(tmp, rule_docs="https://driftwatch.example/rules", mkdocs=True)
    out = tmp / "reference" / "database"
    render(snap, FINDINGS, cfg, out)
    return out


@pytest.mark.parametrize("page", PAGES)
def test_golden_page(nexus_docs: Path, page: str) -> None:
    actual = (nexus_docs / page).read_bytes()
    golden = GOLDEN / page
    if os.environ.get("DRIFTWATCH_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    assert golden.is_file(), f"missing golden {golden}: run with DRIFTWATCH_UPDATE_GOLDEN=1"
    assert actual == golden.read_bytes(), f"{page} differs from {golden}"


def test_nexus_output_is_consistent(nexus_docs: Path) -> None:
    assert broken_links(nexus_docs) == []
    assert mermaid_problems(nexus_docs) == []
    index = (nexus_docs / "public" / "README.md").read_text()
    for group in ("Organizations", "Customers / CRM", "WhatsApp", "Orders", "Competition"):
        assert f"## {group}\n" in index


def test_nexus_mkdocs_build_strict(nexus_docs: Path, tmp_path: Path) -> None:
    mkdocs = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.run(
        [
            str(mkdocs),
            "build",
            "--strict",
            "-q",
            "-f",
            str(nexus_docs.parent / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "site" / "public" / "orders.html").is_file()
