"""The rule catalogue: ids and severities as DESIGN.md fixes them, ruff-style docstrings,
and docs/rules/ generated from them (fails when stale: run python -m driftwatch.rules._docs)."""

from __future__ import annotations

from pathlib import Path

from driftwatch import rules
from driftwatch.rules import _docs

REPO = Path(__file__).resolve().parent.parent

DESIGN_RULES = {
    "rls-disabled": "error",
    "rls-no-policies": "warning",
    "policy-command-uncovered": "warning",
    "policy-not-tenant-scoped": "error",
    "policy-user-metadata": "error",
    "tenant-column-missing": "error",
    "tenant-column-nullable": "warning",
    "tenant-column-unindexed": "warning",
    "view-bypasses-rls": "error",
    "security-definer-function": "warning",
    "rls-not-forced": "info",
    "policy-initplan": "info",
    "multiple-permissive-policies": "warning",
}


def test_design_rules_registered_with_their_severity() -> None:
    for rule_id, severity in DESIGN_RULES.items():
        assert rules.REGISTRY[rule_id].severity == severity
    assert [r.id for r in rules.all_rules()] == sorted(rules.REGISTRY)


def test_docstrings_are_ruff_style() -> None:
    for rule in rules.all_rules():
        doc = rule.doc
        sections = ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]
        positions = [doc.find(s) for s in sections]
        assert all(p > 0 for p in positions), rule.id
        assert positions == sorted(positions), rule.id
        assert rule.title and not rule.title.startswith("#"), rule.id


def test_generated_docs_are_current() -> None:
    out = REPO / "docs" / "rules"
    stale = [
        name
        for name, text in _docs.pages().items()
        if not (out / name).exists() or (out / name).read_text() != text
    ]
    assert not stale, f"run `python -m driftwatch.rules._docs` (stale: {stale})"


def test_generator_writes_and_prunes(tmp_path: Path) -> None:
    (tmp_path / "old-rule.md").write_text(_docs.HEADER + "gone\n")
    (tmp_path / "notes.md").write_text("hand-written\n")
    written = _docs.write(tmp_path)
    assert (tmp_path / "README.md").exists() and not (tmp_path / "old-rule.md").exists()
    assert (tmp_path / "notes.md").exists()
    assert len(written) == len(rules.REGISTRY) + 2
    assert _docs.write(tmp_path) == []  # unchanged: nothing rewritten


def test_every_rule_is_in_the_mapping_table() -> None:
    from driftwatch.rules._counterparts import COUNTERPARTS

    assert set(COUNTERPARTS) == set(rules.REGISTRY)
    text = (Path(__file__).resolve().parent.parent / "docs" / "rules" / "README.md").read_text()
    assert "| driftwatch rule | splinter lint | pgrls rule |" in text
    assert "0002_auth_users_exposed" in text and "SEC016" in text
