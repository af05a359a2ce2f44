"""The tenant-isolation / RLS audit: one module per rule, discovered by a registry.

A rule module (any module here whose name does not start with ``_``; the ``report``
package holds the renderers) defines ``ID``, ``SEVERITY``, ``SUMMARY`` (one line: when it
fires), ``check(ctx) -> Iterable[Finding]`` and a ruff-style module docstring (What it
does / Why is this bad? / Example / Use instead) from which ``docs/rules/<id>.md`` is
generated.

``run(snapshot, cfg)`` runs the enabled rules, applies severity overrides and waivers
(a waived finding is dropped; an expired waiver is reported as ``waiver-expired``) and
returns an ``AuditResult``: the findings sorted by severity, object, rule, and the
``Scope`` (which schemas were audited and which skipped, which extension-owned objects
were left out) for renderers to print. ``audit`` gives the findings alone.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from types import ModuleType

from driftwatch import config as configmod
from driftwatch import model, progress
from driftwatch.errors import ConfigError
from driftwatch.findings import Finding, Severity, is_severity, severity_rank
from driftwatch.gctuning import collector_paused
from driftwatch.rules._context import Context, glob_match
from driftwatch.rules._policy import parse_settings

__all__ = [
    "REGISTRY",
    "AuditResult",
    "Rule",
    "Scope",
    "all_rules",
    "audit",
    "check_config",
    "get_rule",
    "run",
]


@dataclass(frozen=True)
class Scope:
    """What an audit looked at. ``audited_schemas``: the snapshot's schemas the API
    exposes (``[tenancy] exposed_schemas`` plus ``pgrst.db_schemas``); ``skipped_schemas``:
    its other schemas; ``missing_schemas``: schemas ``pgrst.db_schemas`` exposes that the
    snapshot does not hold (excluded from it, e.g. Supabase's managed ``storage``);
    ``extension_objects``: (object, extension) pairs left out as the extension's own."""

    audited_schemas: tuple[str, ...] = ()
    skipped_schemas: tuple[str, ...] = ()
    missing_schemas: tuple[str, ...] = ()
    extension_objects: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AuditResult:
    findings: list[Finding]
    scope: Scope


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity  # default severity
    summary: str  # one line: when it fires
    doc: str  # ruff-style docstring (markdown)
    check: Callable[[Context], Iterable[Finding]]
    module: str

    @property
    def title(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.id


def _load(module: ModuleType) -> Rule:
    severity = module.SEVERITY
    if not is_severity(severity):  # pragma: no cover - guarded by tests
        raise ValueError(f"rule {module.ID}: bad severity {severity!r}")
    return Rule(
        id=module.ID,
        severity=severity,
        summary=module.SUMMARY,
        doc=(module.__doc__ or "").strip(),
        check=module.check,
        module=module.__name__,
    )


def _discover() -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.ispkg:  # report/: the renderers, not a rule
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if not hasattr(module, "ID"):
            continue
        rule = _load(module)
        if rule.id in found:  # pragma: no cover - guarded by tests
            raise ValueError(f"duplicate rule id {rule.id!r}")
        found[rule.id] = rule
    return dict(sorted(found.items()))


REGISTRY: dict[str, Rule] = _discover()


def all_rules() -> list[Rule]:
    return list(REGISTRY.values())


def get_rule(rule_id: str) -> Rule:
    return REGISTRY[rule_id]


# ---------------------------------------------------------------------------- config


def _validate(cfg: configmod.Config) -> tuple[list[Rule], dict[str, Severity]]:
    rc = cfg.rules
    for where, patterns in (("rules.enable", rc.enable), ("rules.disable", rc.disable)):
        for p in patterns:
            if not any(glob_match(r, [p]) for r in REGISTRY):
                raise ConfigError(f"{where}: {p!r} matches no rule (known: {', '.join(REGISTRY)})")
    severities = {r.id: r.severity for r in REGISTRY.values()}
    for ov in rc.severity:
        if ov.rule not in REGISTRY:
            raise ConfigError(
                f"rules.severity: unknown rule {ov.rule!r} (known: {', '.join(REGISTRY)})"
            )
        if not is_severity(ov.severity):  # checked on load too; this makes it a Severity
            raise ConfigError(f"rules.severity: {ov.severity!r} is not error, warning or info")
        severities[ov.rule] = ov.severity
    for i, w in enumerate(cfg.tenancy.waivers):
        if w.rule not in REGISTRY and not any(glob_match(r, [w.rule]) for r in REGISTRY):
            raise ConfigError(f"tenancy.waivers[{i}].rule: unknown rule {w.rule!r}")
        if w.expires is not None:
            _expiry(w, i)
    enabled = [
        r
        for r in REGISTRY.values()
        if glob_match(r.id, rc.enable) and not glob_match(r.id, rc.disable)
    ]
    return enabled, severities


def check_config(cfg: configmod.Config) -> None:
    """Refuse what the audit would refuse, without a snapshot: rule ids and severity
    overrides unknown to the registry, waivers of unknown rules or with a bad expiry, and
    ``[tenancy]`` claim/helper expressions that do not parse (``config.load`` calls it)."""
    _validate(cfg)
    parse_settings(cfg.tenancy)


def _expiry(w: configmod.Waiver, index: int) -> dt.date:
    try:
        return dt.date.fromisoformat(w.expires or "")
    except ValueError:
        raise ConfigError(
            f"tenancy.waivers[{index}].expires: {w.expires!r} is not a YYYY-MM-DD date"
        ) from None


def _finding(
    severities: Mapping[str, Severity],
    rule: str,
    obj: str,
    message: str,
    remediation: str,
    detail: str,
) -> Finding:
    """A finding made outside a rule's ``Context`` (as ``Context.finding`` makes them)."""
    return Finding(
        rule=rule,
        severity=severities.get(rule, "error"),
        object=obj,
        message=message,
        remediation=remediation,
        fingerprint=Finding.make_fingerprint(rule, obj, detail),
    )


def _sort_key(f: Finding) -> tuple[int, str, str, str]:
    return (severity_rank(f.severity), f.object, f.rule, f.fingerprint)


def audit(
    snapshot: model.Snapshot, cfg: configmod.Config, *, today: dt.date | None = None
) -> list[Finding]:
    """Run every enabled rule on ``snapshot``; sorted findings with waivers applied."""
    return run(snapshot, cfg, today=today).findings


def run(
    snapshot: model.Snapshot, cfg: configmod.Config, *, today: dt.date | None = None
) -> AuditResult:
    """``audit``, with the scope of the audit (see ``Scope``)."""
    # The rules allocate no reference cycles; a full collection over a big snapshot's
    # objects costs more than the rules themselves, so pause the collector (gctuning).
    with collector_paused():
        return _audit(snapshot, cfg, today)


def scope_of(ctx: Context) -> Scope:
    snap_schemas = set(ctx.objects.schemas) | set(ctx.snapshot.meta.schemas)
    audited = set(ctx.exposed_schemas)
    return Scope(
        audited_schemas=tuple(sorted(audited)),
        skipped_schemas=tuple(sorted(snap_schemas - audited)),
        missing_schemas=tuple(
            sorted(s for s in ctx.exposures.pgrst_schemas if s not in snap_schemas | audited)
        ),
        extension_objects=tuple(
            (key, ext) for key, ext in sorted(ctx.extension_members.items()) if ctx.exposed(key)
        ),
    )


def _audit(snapshot: model.Snapshot, cfg: configmod.Config, today: dt.date | None) -> AuditResult:
    enabled, severities = _validate(cfg)
    findings, ctx = _raw(snapshot, cfg, enabled, severities)
    return AuditResult(finish(findings, cfg, today), scope_of(ctx))


def raw_findings(
    snapshot: model.Snapshot,
    cfg: configmod.Config,
    enabled: list[Rule],
    severities: Mapping[str, Severity],
) -> list[Finding]:
    """What the enabled rules report on ``snapshot``, severity overrides applied, before
    waivers (what ``rules._cache`` keeps per object)."""
    return _raw(snapshot, cfg, enabled, severities)[0]


def _raw(
    snapshot: model.Snapshot,
    cfg: configmod.Config,
    enabled: list[Rule],
    severities: Mapping[str, Severity],
) -> tuple[list[Finding], Context]:
    ctx = Context(snapshot, cfg)
    ctx.set_severities(severities)
    findings: list[Finding] = []
    with progress.bar("audit", total=len(enabled), unit="rule") as bar:
        for rule in enabled:
            findings.extend(rule.check(ctx))
            bar.update()
    findings = [
        replace(f, severity=severities[f.rule])
        if f.rule in severities
        and f.severity != severities[f.rule]
        and f.fingerprint not in ctx.capped  # nothing reaches it: stays info
        else f
        for f in findings
    ]
    return findings, ctx


def finish(findings: list[Finding], cfg: configmod.Config, today: dt.date | None) -> list[Finding]:
    """Waivers applied to raw findings (which carry their overrides); sorted, without
    repeats."""
    enabled, severities = _validate(cfg)
    findings = _apply_waivers(
        findings, cfg, severities, today or dt.date.today(), {r.id for r in enabled}
    )
    return sorted(set(findings), key=_sort_key)


def _apply_waivers(
    findings: list[Finding],
    cfg: configmod.Config,
    severities: Mapping[str, Severity],
    today: dt.date,
    enabled: set[str],
) -> list[Finding]:
    active: list[configmod.Waiver] = []
    out: list[Finding] = []
    for i, w in enumerate(cfg.tenancy.waivers):
        if w.expires is not None and _expiry(w, i) < today:
            if "waiver-expired" in enabled:
                out.append(
                    _finding(
                        severities,
                        "waiver-expired",
                        w.object,
                        f"the waiver of {w.rule} on {w.object} expired on {w.expires}"
                        f" (reason given: {w.reason}); the findings it silenced are reported again",
                        "Fix the findings, or renew the waiver with a new 'expires' date in the"
                        " [tenancy] waivers of the config file.",
                        detail=f"{w.rule}\0{w.expires}",  # about the config, not an object
                    )
                )
            continue
        active.append(w)
    for f in findings:
        if not any(
            glob_match(f.rule, [w.rule]) and glob_match(f.object, [w.object]) for w in active
        ):
            out.append(f)
    return out
