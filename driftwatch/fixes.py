"""The remediations of audit findings as one reviewable migration (``driftwatch fix``).

Each selected finding's remediation is read with the PostgreSQL parser (pglast): its first
alternative only (a remediation may offer ``-- or:`` choices; the first is the fix, the
others stay for the reviewer as comments), each statement made idempotent where
PostgreSQL allows it (``CREATE POLICY`` preceded by ``DROP POLICY IF EXISTS``,
``CREATE INDEX IF NOT EXISTS`` (never ``CONCURRENTLY``: a migration runs in a
transaction), ``ADD COLUMN IF NOT EXISTS``, ``DROP … IF EXISTS``, ``ADD CONSTRAINT``
guarded by a ``DO`` block) and put in dependency order: columns, constraints, indexes,
views and functions, policies, then enabling/forcing RLS, then privileges. Identical
statements are written once. A remediation that is advice rather than SQL is listed at
the top for a person to act on. driftwatch never runs the file.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pglast
from pglast import ast, enums
from pglast.stream import RawStream

from driftwatch.findings import Finding, Severity, severity_rank
from driftwatch.sqlexpr import quote_ident

# Dependency order of the statement kinds (lower first).
_COLUMNS, _CONSTRAINTS, _INDEXES, _OBJECTS, _POLICIES, _RLS, _PRIVILEGES = range(7)
_SECTIONS = {
    _COLUMNS: "tables and columns",
    _CONSTRAINTS: "constraints",
    _INDEXES: "indexes",
    _OBJECTS: "views and functions",
    _POLICIES: "policies",
    _RLS: "row level security",
    _PRIVILEGES: "privileges",
}
_AT = enums.AlterTableType
_RLS_CMDS = frozenset(
    {
        _AT.AT_EnableRowSecurity,
        _AT.AT_DisableRowSecurity,
        _AT.AT_ForceRowSecurity,
        _AT.AT_NoForceRowSecurity,
    }
)


@dataclass(frozen=True, slots=True)
class Statement:
    rank: int
    sql: str  # one or more statements, each ending with ';'
    finding: Finding


@dataclass(frozen=True, slots=True)
class Plan:
    statements: tuple[Statement, ...]
    manual: tuple[Finding, ...]  # remediations that are advice, not SQL
    fixed: tuple[Finding, ...]  # findings with at least one statement written


def select(
    findings: Iterable[Finding],
    *,
    rules: Sequence[str] = (),
    objects: Sequence[str] = (),
    min_severity: Severity = "warning",
) -> list[Finding]:
    """Findings at or above ``min_severity`` whose rule and object match the globs (an
    empty list of globs matches everything)."""
    rank = severity_rank(min_severity)
    return [
        f
        for f in findings
        if severity_rank(f.severity) <= rank
        and (not rules or any(fnmatch.fnmatchcase(f.rule, g) for g in rules))
        and (not objects or any(fnmatch.fnmatchcase(f.object, g) for g in objects))
    ]


def first_alternative(remediation: str) -> tuple[str, list[str]]:
    """(SQL of the first alternative, its comment lines)."""
    sql: list[str] = []
    comments: list[str] = []
    for line in remediation.splitlines():
        text = line.strip()
        if text.lower().startswith("-- or"):
            break
        if text.startswith("--"):
            comments.append(text)
        elif text:
            sql.append(line)
    return "\n".join(sql), comments


def _deparse(node: ast.Node) -> str:
    return str(RawStream()(node)) + ";"  # type: ignore[no-untyped-call]


def _original(text: str, raw: ast.RawStmt) -> str:
    start = raw.stmt_location or 0
    length = raw.stmt_len or len(text.encode()) - start
    data = text.encode()[start : start + length]
    return data.decode().strip() + ";"


def idempotent(text: str, raw: ast.RawStmt) -> tuple[int, str]:
    """(rank, idempotent SQL) of one parsed statement."""
    stmt = raw.stmt
    if isinstance(stmt, ast.CreatePolicyStmt):
        table = stmt.table
        qualified = ".".join(quote_ident(n) for n in (table.schemaname, table.relname) if n)
        drop = f"DROP POLICY IF EXISTS {quote_ident(stmt.policy_name)} ON {qualified};"
        return _POLICIES, f"{drop}\n{_original(text, raw)}"
    if isinstance(stmt, ast.AlterPolicyStmt):
        return _POLICIES, _original(text, raw)
    if isinstance(stmt, ast.IndexStmt):
        stmt.concurrent = False
        stmt.if_not_exists = True
        return _INDEXES, _deparse(stmt)
    if isinstance(stmt, ast.DropStmt):
        stmt.missing_ok = True
        rank = _POLICIES if stmt.removeType == enums.ObjectType.OBJECT_POLICY else _OBJECTS
        return rank, _deparse(stmt)
    if isinstance(stmt, ast.GrantStmt | ast.GrantRoleStmt):
        return _PRIVILEGES, _original(text, raw)
    if isinstance(stmt, ast.CreateStmt):
        stmt.if_not_exists = True
        return _COLUMNS, _deparse(stmt)
    if isinstance(stmt, ast.ViewStmt | ast.CreateFunctionStmt):
        stmt.replace = True
        return _OBJECTS, _deparse(stmt)
    if isinstance(stmt, ast.AlterTableStmt):
        cmds = list(stmt.cmds or ())
        subtypes = {c.subtype for c in cmds}
        if stmt.objtype != enums.ObjectType.OBJECT_TABLE:
            return _OBJECTS, _original(text, raw)
        if subtypes <= _RLS_CMDS:
            return _RLS, _original(text, raw)
        if _AT.AT_AddConstraint in subtypes:
            body = _original(text, raw)
            guarded = (
                "DO $driftwatch$ BEGIN\n  "
                + body
                + "\nEXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;"
                " -- already there\nEND $driftwatch$;"
            )
            return _CONSTRAINTS, guarded
        for c in cmds:
            if c.subtype == _AT.AT_AddColumn:
                c.missing_ok = True
        return _COLUMNS, _deparse(stmt)
    return _OBJECTS, _original(text, raw)


def fk_indexes(raw: ast.RawStmt) -> list[str]:
    """``CREATE INDEX IF NOT EXISTS`` for each column an ``ADD COLUMN … REFERENCES`` adds:
    an unindexed foreign key makes every delete of the parent scan the child (and is a
    finding of its own, ``unindexed-foreign-key`` / ``tenant-column-unindexed``)."""
    stmt = raw.stmt
    if not isinstance(stmt, ast.AlterTableStmt) or stmt.objtype != enums.ObjectType.OBJECT_TABLE:
        return []
    rel = stmt.relation
    qualified = ".".join(quote_ident(n) for n in (rel.schemaname, rel.relname) if n)
    out = []
    for c in stmt.cmds or ():
        col = c.def_
        if c.subtype != _AT.AT_AddColumn or not isinstance(col, ast.ColumnDef):
            continue
        if any(
            isinstance(k, ast.Constraint) and k.contype == enums.ConstrType.CONSTR_FOREIGN
            for k in col.constraints or ()
        ):
            name = quote_ident(f"{rel.relname}_{col.colname}_idx"[:63])
            out.append(
                f"CREATE INDEX IF NOT EXISTS {name} ON {qualified} ({quote_ident(col.colname)});"
            )
    return out


def plan(findings: Iterable[Finding]) -> Plan:
    statements: list[Statement] = []
    manual: list[Finding] = []
    fixed: list[Finding] = []
    for f in findings:
        sql, _comments = first_alternative(f.remediation)
        if not sql.strip():
            manual.append(f)
            continue
        try:
            raws = pglast.parse_sql(sql)
        except pglast.parser.ParseError:
            manual.append(f)
            continue
        if not raws:
            manual.append(f)
            continue
        for raw in raws:
            rank, text = idempotent(sql, raw)
            statements.append(Statement(rank, text, f))
            statements += [Statement(_INDEXES, ix, f) for ix in fk_indexes(raw)]
        fixed.append(f)
    seen: set[str] = set()
    ordered: list[Statement] = []
    for s in sorted(statements, key=lambda s: (s.rank, s.finding.object, s.finding.rule)):
        if s.sql in seen:
            continue
        seen.add(s.sql)
        ordered.append(s)
    return Plan(tuple(ordered), tuple(manual), tuple(fixed))


def render(p: Plan, *, source: str, digest: str) -> str:
    """The migration file's text (deterministic for a given plan)."""
    lines = [
        "-- Generated by `driftwatch fix`: the remediations of the findings below.",
        f"-- Database {source}, snapshot {digest}.",
        "-- Review it before applying: driftwatch never runs it. Every statement is",
        "-- idempotent where PostgreSQL allows; apply in one transaction (psql -1 -f FILE;",
        "-- the Supabase CLI runs each migration that way). Run `driftwatch fix` again",
        "-- afterwards: a finding that needed one of these first then gets its own SQL.",
        "",
        f"-- Fixes {len(p.fixed)} finding(s):",
    ]
    lines += [f"--   [{f.severity}] {f.rule}: {f.object}" for f in p.fixed]
    if p.manual:
        lines += ["", f"-- Needs a person ({len(p.manual)}): the remediation is advice, not SQL."]
        for f in p.manual:
            lines.append(f"--   [{f.severity}] {f.rule}: {f.object}")
            for text in f.remediation.splitlines():
                if text.strip():
                    lines.append(f"--       {text.strip().removeprefix('-- ')}")
    section = None
    previous: Finding | None = None
    commented: set[Finding] = set()
    for s in p.statements:
        if s.rank != section:
            section, previous = s.rank, None
            lines += ["", f"-- {_SECTIONS[s.rank]}"]
        if s.finding != previous:
            lines.append(f"-- {s.finding.rule}: {s.finding.object}")
            previous = s.finding
        if s.finding not in commented:
            commented.add(s.finding)
            lines += first_alternative(s.finding.remediation)[1]
        lines.append(s.sql)
    return "\n".join(lines) + "\n"
