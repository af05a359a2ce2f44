"""Merge probe results with the static audit: verdicts per table, and findings.

* probe isolated + static audit has no error finding on the table → ``isolated
  (engine-verified)``;
* probe isolated but the static audit reported errors → ``isolated (engine only)``, with
  the static rules named (the analyser was stricter than the engine, or the hole needs a
  path the probe does not take);
* a leak → an error ``Finding`` ``cross-tenant-<command>`` per role, naming the
  permissive policies for that command and role, with the reproduction script in its
  remediation;
* undecided → a warning ``probe-undecided`` with the reason (never a pass).
"""

from __future__ import annotations

from collections.abc import Sequence

from driftwatch import config as configmod
from driftwatch import model
from driftwatch.findings import Finding
from driftwatch.probe.results import (
    DESCRIPTIONS,
    ISOLATED,
    LEAKED,
    UNDECIDED,
    Attempt,
    ProbeReport,
    TableResult,
)

UNDECIDED_RULE = "probe-undecided"
_POLICY_COMMAND = {
    "select": "SELECT",
    "update": "UPDATE",
    "delete": "DELETE",
    "insert": "INSERT",
    "move": "UPDATE",
}
_CLAUSE = {
    "select": "USING",
    "update": "USING",
    "delete": "USING",
    "insert": "WITH CHECK",
    "move": "WITH CHECK",
}


def static_errors(static: Sequence[Finding]) -> dict[str, list[str]]:
    """Table → sorted rule ids of the static audit's error findings on it or its objects."""
    out: dict[str, set[str]] = {}
    for f in static:
        if f.severity != "error" or "(" in f.object:
            continue
        table = ".".join(f.object.split(".")[:2])
        out.setdefault(table, set()).add(f.rule)
    return {k: sorted(v) for k, v in out.items()}


def verdict(result: TableResult, errors: dict[str, list[str]]) -> str:
    rules = errors.get(result.table, [])
    if result.status == ISOLATED:
        if rules:
            return f"isolated (engine only; static audit: {', '.join(rules)})"
        return "isolated (engine-verified)"
    if result.status == LEAKED:
        return "leaked" if rules else "leaked (missed by the static audit)"
    if result.status == UNDECIDED:
        return f"undecided: {result.reason}"
    return f"skipped: {result.reason}"


def policies_for(table: model.Table, command: str, role: str) -> list[str]:
    want = _POLICY_COMMAND[command]
    return sorted(
        name
        for name, p in table.policies.items()
        if p.permissive and p.command in (want, "ALL") and (role in p.roles or "public" in p.roles)
    )


def _leak_finding(
    result: TableResult, att: Attempt, table: model.Table, cfg: configmod.Config
) -> Finding:
    rule = f"cross-tenant-{att.command}"
    names = policies_for(table, att.command, att.role)
    if not table.rls.enabled:
        involved = "row level security is disabled on the table, so no policy applies"
        fix = f"ALTER TABLE {result.table} ENABLE ROW LEVEL SECURITY;"
    elif names:
        involved = (
            f"permissive {_POLICY_COMMAND[att.command]} policies for {att.role}: "
            + ", ".join(names)
        )
        fix = (
            f"Make {', '.join(names)} compare the tenant to the claim"
            f" ({cfg.tenancy.claim}) in its {_CLAUSE[att.command]} clause"
            + (
                ", also for an UPDATE without WHERE (no SELECT policy applies then)"
                if att.command == "move"
                else ""
            )
            + "."
        )
    else:
        involved = f"no permissive {_POLICY_COMMAND[att.command]} policy for {att.role}"
        fix = f"Role {att.role} bypasses row level security (BYPASSRLS or table owner)."
    how = f" ({att.detail})" if att.detail else ""
    message = (
        f"tenant B as {att.role} can {DESCRIPTIONS[att.command]} in {result.table}"
        f" ({att.rows} row{'s' if att.rows != 1 else ''}){how}; {involved}"
    )
    script = result.reproductions.get(f"{att.role}:{att.command}", "")
    remediation = fix + ("\n-- reproduction (rolled back):\n" + script.rstrip() if script else "")
    return Finding(
        rule=rule,
        severity="error",
        object=result.table,
        message=message,
        remediation=remediation,
        fingerprint=Finding.make_fingerprint(rule, result.table, att.role),
    )


def findings(report: ProbeReport, snapshot: model.Snapshot, cfg: configmod.Config) -> list[Finding]:
    out: list[Finding] = []
    for result in report.tables:
        table = snapshot.objects.tables[result.table]
        for att in result.leaks():
            out.append(_leak_finding(result, att, table, cfg))
        if result.status == UNDECIDED:
            out.append(
                Finding(
                    rule=UNDECIDED_RULE,
                    severity="warning",
                    object=result.table,
                    message=f"the probe could not decide {result.table}: {result.reason}",
                    remediation="Exclude the table (--exclude-tables) or make a row of it"
                    " insertable with simple values, then probe again.",
                    fingerprint=Finding.make_fingerprint(UNDECIDED_RULE, result.table),
                )
            )
    return sorted(out, key=lambda f: (f.severity != "error", f.object, f.rule, f.fingerprint))
