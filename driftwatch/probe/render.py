"""Probe output: ``text``, ``json`` (``driftwatch.probe/1``) and ``sarif`` (SARIF 2.1.0,
written by the audit's own writer, ``driftwatch.rules.report.render_sarif``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from driftwatch.findings import Finding
from driftwatch.probe.merge import verdict
from driftwatch.probe.results import COMMANDS, LEAKED, ProbeReport, TableResult
from driftwatch.rules.report import Context, finding_data, render_sarif
from driftwatch.rules.report.locations import Location

PROBE_FORMAT = "driftwatch.probe/1"
FORMATS: tuple[str, ...] = ("text", "json", "sarif")


def _summary(report: ProbeReport) -> dict[str, int]:
    return {s: report.count(s) for s in ("isolated", "leaked", "undecided", "skipped")}


def _table_data(t: TableResult, errors: dict[str, list[str]]) -> dict[str, object]:
    results: dict[str, dict[str, object]] = {}
    for a in t.attempts:
        results.setdefault(a.role, {})[a.command] = {
            "status": a.status,
            "rows": a.rows,
            "detail": a.detail,
            "statement": a.statement,
        }
    return {
        "table": t.table,
        "status": t.status,
        "verdict": verdict(t, errors),
        "scoped_by": t.link,
        "reason": t.reason,
        "results": results,
        "own_row_controls": {r: dict(c) for r, c in t.controls.items()},
        "notes": list(t.notes),
        "reproductions": dict(sorted(t.reproductions.items())),
    }


def render_json(
    report: ProbeReport, findings: Sequence[Finding], errors: dict[str, list[str]]
) -> bytes:
    data = {
        "format": PROBE_FORMAT,
        "target": report.target,
        "database": report.database,
        "roles": list(report.roles),
        "claim_path": ".".join(report.claim_path),
        "summary": _summary(report),
        "tables": [_table_data(t, errors) for t in report.tables],
        "findings": [finding_data(f) for f in findings],
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def render_text(
    report: ProbeReport, findings: Sequence[Finding], errors: dict[str, list[str]]
) -> str:
    lines = []
    width = max((len(t.table) for t in report.tables), default=10)
    for t in report.tables:
        lines.append(f"{t.status.upper():<10} {t.table:<{width}}  {verdict(t, errors)}")
        for a in t.attempts:
            if a.status == LEAKED:
                how = f" — {a.detail}" if a.detail else ""
                lines.append(f"{'':<10}   {a.role} {a.command}: {a.rows} row(s){how}")
    leaks = [f for f in findings if f.rule.startswith("cross-tenant-")]
    if leaks:
        lines.append("")
        lines.append(f"LEAKS ({len(leaks)})")
        for f in leaks:
            lines.append("")
            lines.append(f"[{f.rule}] {f.message}")
            lines.extend(f"    {line}" for line in f.remediation.splitlines())
    s = _summary(report)
    lines.append("")
    lines.append(
        f"driftwatch probe: {len(report.tables)} tenant tables as {', '.join(report.roles)}"
        f" ({'/'.join(COMMANDS)}): {s['isolated']} isolated, {s['leaked']} leaked,"
        f" {s['undecided']} undecided, {s['skipped']} skipped in {report.elapsed_s:.1f}s"
    )
    return "\n".join(lines) + "\n"


def render(
    report: ProbeReport,
    findings: Sequence[Finding],
    errors: dict[str, list[str]],
    fmt: str,
    locate: Callable[[Finding], Location] | None = None,
) -> bytes:
    if fmt == "json":
        return render_json(report, findings, errors)
    if fmt == "sarif":
        return render_sarif(findings, Context(locate=locate))
    return render_text(report, findings, errors).encode()
