"""Renderers for audit findings: ``text`` (for people), ``json`` (``driftwatch.findings/1``)
and ``sarif`` (SARIF 2.1.0, for code-scanning UIs: physical locations from
``rules/report/locations.py``, rule metadata from the rule docstrings). All output is
deterministic bytes.

With the audit's ``Scope`` (``rules.run``), each says which schemas were audited and which
skipped: the summary line of the text, a ``scope`` field in JSON, the run's ``properties``
in SARIF."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from driftwatch import __version__, idents
from driftwatch.findings import SEVERITIES, Finding, Severity, severity_rank
from driftwatch.rules import REGISTRY, Rule, Scope
from driftwatch.rules.report.locations import Location

FORMATS: tuple[str, ...] = ("text", "json", "sarif")
FINDINGS_FORMAT = "driftwatch.findings/1"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}


@dataclass(frozen=True)
class Context:
    """What the findings alone do not say: the audited schemas, verbosity, locations."""

    scope: Scope | None = None  # the schemas the rules looked at and those they did not
    verbose: bool = False  # list info findings one by one
    locate: Callable[[Finding], Location] | None = None  # SARIF physical locations
    rule_docs: str = ""  # URL base (or template with {rule}) of the rule pages


def render(findings: Sequence[Finding], fmt: str, ctx: Context | None = None) -> bytes:
    ctx = ctx or Context()
    if fmt == "json":
        return render_json(findings, ctx.scope)
    if fmt == "sarif":
        return render_sarif(findings, ctx)
    return render_text(findings, ctx).encode()


def scope_data(scope: Scope) -> dict[str, list[str]]:
    """The scope as JSON: schema lists, and the extension-owned objects left out."""
    return {
        "audited_schemas": list(scope.audited_schemas),
        "skipped_schemas": list(scope.skipped_schemas),
        "missing_schemas": list(scope.missing_schemas),
        "extension_objects": [f"{obj} ({ext})" for obj, ext in scope.extension_objects],
    }


def _table_of(obj: str) -> str:
    """``schema.table`` of an object name (functions keep their signature); names are
    quoted keys (``driftwatch.idents``), so dots inside quotes do not split."""
    if "(" in obj:
        return obj
    return idents.head(obj, 2)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def summary_line(findings: Sequence[Finding], ctx: Context) -> str:
    """``driftwatch: 168 findings (16 errors, 6 warnings, 146 info) in 1 audited schema
    (public); not audited: auth, private``."""
    counts = ", ".join(
        _plural(n, s) for s in SEVERITIES if (n := sum(1 for f in findings if f.severity == s))
    )
    total = _plural(len(findings), "finding") if findings else "no findings"
    head = f"driftwatch: {total}" + (f" ({counts})" if counts else "")
    scope = ctx.scope
    if scope is not None:
        audited = scope.audited_schemas
        head += f" in {_plural(len(audited), 'audited schema')} ({', '.join(audited) or 'none'})"
        if scope.skipped_schemas:
            head += f"; not audited (not exposed): {', '.join(scope.skipped_schemas)}"
        if scope.missing_schemas:
            head += f"; exposed but not in the snapshot: {', '.join(scope.missing_schemas)}"
    return head


def render_text(findings: Sequence[Finding], ctx: Context | None = None) -> str:
    """Summary line; then per table (worst first) its findings, remediation indented; info
    findings only as counts per rule unless ``verbose``."""
    ctx = ctx or Context()
    lines = [summary_line(findings, ctx)]
    shown = [f for f in findings if ctx.verbose or f.severity != "info"]
    by_table: dict[str, list[Finding]] = {}
    for f in shown:
        by_table.setdefault(_table_of(f.object), []).append(f)

    def worst(table: str) -> tuple[int, str]:
        return (min(severity_rank(f.severity) for f in by_table[table]), table)

    for table in sorted(by_table, key=worst):
        group = sorted(
            by_table[table], key=lambda x: (severity_rank(x.severity), x.rule, x.object, x.message)
        )
        counts = ", ".join(
            _plural(n, s) for s in SEVERITIES if (n := sum(1 for f in group if f.severity == s))
        )
        lines += ["", f"{table}  ({counts})"]
        for f in group:
            lines.append(f"  {f.severity.upper():<7} [{f.rule}] {f.message}")
            lines.extend(f"          {fix}" for fix in f.remediation.splitlines())
    hidden = [f for f in findings if f not in shown]
    if hidden:
        per_rule: dict[str, int] = {}
        for f in hidden:
            per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
        width = max(len(r) for r in per_rule)
        lines += ["", f"info: {_plural(len(hidden), 'finding')} not listed (-v lists them):"]
        lines.extend(f"  {rule:<{width}}  {n}" for rule, n in sorted(per_rule.items()))
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


# GitHub code scanning ranks security results by this 0-10 score (high from 7.0).
_SECURITY_SEVERITY: dict[Severity, str] = {"error": "8.0", "warning": "5.0", "info": "2.0"}


def _help_uri(rule_docs: str, rule_id: str) -> str | None:
    if not rule_docs:
        return None
    if "{rule}" in rule_docs:
        return rule_docs.replace("{rule}", rule_id)
    return f"{rule_docs.rstrip('/')}/{rule_id}.md"


def _sarif_rule(rule: Rule, severity: Severity, rule_docs: str) -> dict[str, object]:
    """A rule's metadata; ``severity`` is the most severe level it reported in this run."""
    body = rule.doc.partition("\n")[2]
    data: dict[str, object] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"Fires when {rule.summary}."},
        "help": {"text": body.strip() or rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", "rls", "multi-tenancy"],
            "security-severity": _SECURITY_SEVERITY[severity],
            "precision": "high",
        },
    }
    uri = _help_uri(rule_docs, rule.id)
    if uri:
        data["helpUri"] = uri
    return data


def _location(f: Finding, ctx: Context) -> dict[str, object]:
    loc: dict[str, object] = {
        "logicalLocations": [
            {"fullyQualifiedName": f.object, "kind": "function" if "(" in f.object else "object"}
        ]
    }
    if ctx.locate is not None:
        where = ctx.locate(f)
        loc["physicalLocation"] = {
            "artifactLocation": {"uri": quote(where.path)},
            "region": {"startLine": where.line},
        }
    return loc


def render_sarif(findings: Sequence[Finding], ctx: Context | None = None) -> bytes:
    ctx = ctx or Context()
    rules = list(REGISTRY.values())
    index = {r.id: i for i, r in enumerate(rules)}
    worst: dict[str, Severity] = {}
    for f in findings:
        if f.rule not in worst or severity_rank(f.severity) < severity_rank(worst[f.rule]):
            worst[f.rule] = f.severity
    results = []
    for f in sorted(
        findings, key=lambda x: (severity_rank(x.severity), x.object, x.rule, x.fingerprint)
    ):
        result: dict[str, object] = {
            "ruleId": f.rule,
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [_location(f, ctx)],
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
                "rules": [
                    _sarif_rule(r, worst.get(r.id, r.severity), ctx.rule_docs) for r in rules
                ],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if ctx.scope is not None:
        run["properties"] = scope_data(ctx.scope)
    data = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
