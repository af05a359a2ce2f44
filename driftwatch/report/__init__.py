"""Renderers for audit findings: ``text`` (for people), ``json`` (``driftwatch.findings/1``)
and ``sarif`` (SARIF 2.1.0, for code-scanning UIs). All output is deterministic bytes.

With the audit's ``Scope`` (``rules.run``), each says which schemas were audited and which
skipped: the first line of the text, a ``scope`` field in JSON, the run's ``properties``
in SARIF."""

from __future__ import annotations

import json
from collections.abc import Sequence

from driftwatch import __version__, idents
from driftwatch.findings import SEVERITIES, Finding, severity_rank
from driftwatch.rules import REGISTRY, Rule, Scope

FORMATS: tuple[str, ...] = ("text", "json", "sarif")
FINDINGS_FORMAT = "driftwatch.findings/1"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_RULE_DOCS = "docs/rules"


def render(findings: Sequence[Finding], fmt: str, scope: Scope | None = None) -> bytes:
    if fmt == "json":
        return render_json(findings, scope)
    if fmt == "sarif":
        return render_sarif(findings, scope)
    return render_text(findings, scope).encode()


def scope_data(scope: Scope) -> dict[str, list[str]]:
    """The scope as JSON: schema lists, and the extension-owned objects left out."""
    return {
        "audited_schemas": list(scope.audited_schemas),
        "skipped_schemas": list(scope.skipped_schemas),
        "missing_schemas": list(scope.missing_schemas),
        "extension_objects": [f"{obj} ({ext})" for obj, ext in scope.extension_objects],
    }


def scope_line(scope: Scope) -> str:
    """One line: ``audited schemas: public; skipped: auth, private``."""
    line = f"driftwatch: audited schemas: {', '.join(scope.audited_schemas) or 'none'}"
    line += f"; skipped: {', '.join(scope.skipped_schemas) or 'none'}"
    if scope.missing_schemas:
        line += f"; exposed but not in the snapshot: {', '.join(scope.missing_schemas)}"
    return line


def _table_of(obj: str) -> str:
    """``schema.table`` of an object name (functions keep their signature); names are
    quoted keys (``driftwatch.idents``), so dots inside quotes do not split."""
    if "(" in obj:
        return obj
    return idents.head(obj, 2)


def render_text(findings: Sequence[Finding], scope: Scope | None = None) -> str:
    head = scope_line(scope) + "\n" if scope is not None else ""
    if not findings:
        return head + "driftwatch: no findings\n"
    lines: list[str] = [head.rstrip("\n")] if head else []
    for sev in SEVERITIES:
        group = [f for f in findings if f.severity == sev]
        if not group:
            continue
        lines.append(f"{sev.upper()} ({len(group)})")
        lines.append("")
        by_table: dict[str, list[Finding]] = {}
        for f in group:
            by_table.setdefault(_table_of(f.object), []).append(f)
        for table in sorted(by_table):
            lines.append(f"  {table}")
            for f in sorted(by_table[table], key=lambda x: (x.rule, x.object, x.message)):
                lines.append(f"    [{f.rule}] {f.message}")
                for fix in f.remediation.splitlines():
                    lines.append(f"        {fix}")
            lines.append("")
    counts = ", ".join(
        f"{n} {s}{'s' if n != 1 and s != 'info' else ''}"
        for s in SEVERITIES
        if (n := sum(1 for f in findings if f.severity == s))
    )
    lines.append(
        f"driftwatch: {len(findings)} finding{'s' if len(findings) != 1 else ''} ({counts})"
    )
    return "\n".join(lines) + "\n"


def finding_data(f: Finding) -> dict[str, str]:
    """One finding as in ``driftwatch.findings/1`` (also used by the probe's JSON)."""
    return {
        "rule": f.rule,
        "severity": f.severity,
        "object": f.object,
        "message": f.message,
        "fingerprint": f.fingerprint,
        "remediation": f.remediation,
    }


def render_json(findings: Sequence[Finding], scope: Scope | None = None) -> bytes:
    data: dict[str, object] = {"format": FINDINGS_FORMAT}
    if scope is not None:
        data["scope"] = scope_data(scope)
    data["findings"] = [finding_data(f) for f in findings]
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _sarif_rule(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "helpUri": f"{_RULE_DOCS}/{rule.id}.md",
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": ["security", "rls", "multi-tenancy"]},
    }


def render_sarif(findings: Sequence[Finding], scope: Scope | None = None) -> bytes:
    rules = list(REGISTRY.values())
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for f in sorted(
        findings, key=lambda x: (severity_rank(x.severity), x.object, x.rule, x.fingerprint)
    ):
        result: dict[str, object] = {
            "ruleId": f.rule,
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "logicalLocations": [
                        {
                            "fullyQualifiedName": f.object,
                            "kind": "function" if "(" in f.object else "object",
                        }
                    ]
                }
            ],
            "partialFingerprints": {"driftwatch/v1": f.fingerprint},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        if f.remediation:
            result["properties"] = {"remediation": f.remediation}
        results.append(result)
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "driftwatch",
                "version": __version__,
                "rules": [_sarif_rule(r) for r in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if scope is not None:
        run["properties"] = scope_data(scope)
    data = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
