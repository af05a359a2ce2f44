"""``driftwatch fix``: the migration it writes, applied (by the test, never by driftwatch)
to a throwaway copy of the broken Nexus sample: the fixed findings are gone, nothing new at
warning or above appears, and applying it a second time changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from rules_helpers import NEXUS_CONFIG, PRELUDE, audit, snap

from driftwatch import fixes
from driftwatch.cli import main
from driftwatch.config import load as configload
from driftwatch.findings import Finding, severity_rank

CFG = configload.from_dict(NEXUS_CONFIG)


def _apply(dsn: str, sql: str) -> None:
    """The way a migration runner applies it: one transaction."""
    with psycopg.connect(dsn) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _serious(findings: list[Finding]) -> set[str]:
    return {f.fingerprint for f in findings if severity_rank(f.severity) <= 1}


def test_fix_of_the_broken_sample_applies_and_is_idempotent(
    nexus_broken_db: str, copy_db: Callable[[str], str], tmp_path: Path
) -> None:
    dsn = copy_db(nexus_broken_db)
    out = tmp_path / "fix.sql"
    code = main(["fix", "--dsn", dsn, "-o", str(out), "--config", _config(tmp_path)])
    assert code == 0
    text = out.read_text()
    before = audit(dsn, CFG)
    plan = fixes.plan(fixes.select(before, min_severity="warning"))
    assert len(plan.fixed) >= 15 and plan.statements
    assert "CONCURRENTLY" not in text and "CREATE INDEX IF NOT EXISTS" in text
    lines = text.splitlines()
    creates = [i for i, line in enumerate(lines) if line.startswith("CREATE POLICY")]
    assert creates and all(lines[i - 1].startswith("DROP POLICY IF EXISTS") for i in creates)
    assert not [x for x in lines if x.startswith("DROP POLICY ") and " IF EXISTS " not in x]
    # dependency order: columns before indexes before policies before RLS before privileges
    order = [text.index(f"-- {s}\n") for s in ("tables and columns", "indexes", "policies")]
    order += [text.index("-- row level security\n"), text.index("-- privileges\n")]
    assert order == sorted(order)

    _apply(dsn, text)
    after = audit(dsn, CFG)
    fixed = {f.fingerprint for f in plan.fixed}
    assert not fixed & {f.fingerprint for f in after}
    new = [(f.rule, f.object) for f in after if f.fingerprint in _serious(after) - _serious(before)]
    assert new == []
    # what stays is what the file lists for a person, nothing else
    manual = {f.fingerprint for f in plan.manual}
    assert _serious(after) <= manual

    digest = snap(dsn).digest
    _apply(dsn, text)  # a second time: no error, and the schema is the same
    assert snap(dsn).digest == digest
    # a second fix run picks up what needed the first one (the new tenant column)
    again = fixes.plan(fixes.select(audit(dsn, CFG)))
    assert {f.object for f in again.fixed} >= {
        "public.webhook_deliveries.webhook_deliveries_select"
    }


def _config(tmp_path: Path) -> str:
    src = Path(__file__).resolve().parent.parent / "driftwatch" / "demo" / "nexus.toml"
    path = tmp_path / "nexus.toml"
    path.write_text(src.read_text())
    return str(path)


def test_supabase_layout_selection_and_errors(
    make_db: Callable[[str], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = make_db(
        PRELUDE
        + """
        create table public.organizations (id uuid primary key);
        create table public.notes (id uuid primary key,
          organization_id uuid not null references public.organizations (id));
        create table public.tags (id uuid primary key,
          organization_id uuid not null references public.organizations (id));
        create index on public.tags (organization_id);
        grant select on public.notes, public.tags to authenticated;
        """
    )
    project = tmp_path / "app"
    # no supabase/migrations and no -o: a one-line usage error
    assert main(["fix", "--dsn", dsn, "--project-dir", str(project)]) == 2
    assert "supabase/migrations" in capsys.readouterr().err
    (project / "supabase" / "migrations").mkdir(parents=True)
    assert main(["fix", "--dsn", dsn, "--project-dir", str(project), "--rule", "rls-*"]) == 0
    [written] = list((project / "supabase" / "migrations").iterdir())
    assert re.fullmatch(r"\d{14}_driftwatch_fix\.sql", written.name)
    text = written.read_text()
    assert "ENABLE ROW LEVEL SECURITY" in text and "INDEX" not in text
    assert "public.notes" in text and "public.tags" in text
    # the object filter keeps one table; error severity only
    out = tmp_path / "one.sql"
    args = ["fix", "--dsn", dsn, "-o", str(out), "--object", "public.notes*"]
    assert main(args) == 0
    assert "public.tags" not in out.read_text()
    capsys.readouterr()
    # nothing matches: exit 0, nothing written
    empty = tmp_path / "none.sql"
    assert main(["fix", "--dsn", dsn, "-o", str(empty), "--object", "public.nothing"]) == 0
    assert not empty.exists() and "nothing to fix" in capsys.readouterr().err
    assert main(["fix", "--dsn", dsn, "-o", str(empty), "--rule", "no-such-rule"]) == 2


def test_statements_made_idempotent_run_twice(make_db: Callable[[str], str]) -> None:
    dsn = make_db(
        "create table public.t (id int primary key, a int, b text);"
        "create table public.p (id int primary key);"
    )
    finding = Finding(
        "x",
        "warning",
        "public.t",
        "m",
        "ALTER TABLE public.t ADD CONSTRAINT t_a_key UNIQUE (a);\n"
        "CREATE INDEX CONCURRENTLY t_b_idx ON public.t (b);\n"
        "ALTER TABLE public.t ADD COLUMN p_id int REFERENCES public.p;\n"
        'CREATE POLICY "odd name" ON public.t FOR SELECT USING (true);\n'
        "-- or:\nDROP TABLE public.t;",
    )
    plan = fixes.plan([finding])
    text = fixes.render(plan, source="db", digest="sha256:x")
    assert "DROP TABLE" not in text
    assert 'DROP POLICY IF EXISTS "odd name" ON public.t;' in text
    assert "CREATE INDEX IF NOT EXISTS t_p_id_idx ON public.t (p_id);" in text
    for _ in range(2):
        _apply(dsn, text)
    with psycopg.connect(dsn) as conn:
        n = conn.execute(
            "select count(*) from pg_constraint where conrelid = 'public.t'::regclass"
        ).fetchone()
    assert n == (3,)  # primary key, unique, foreign key: each once
    assert fixes.first_alternative("-- note\nSELECT 1;\n-- or:\nSELECT 2;") == (
        "SELECT 1;",
        ["-- note"],
    )
    advice = Finding("y", "warning", "public.t", "m", "Merge the policies by hand.")
    assert fixes.plan([advice]).manual == (advice,)
