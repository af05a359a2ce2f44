"""A starting tenancy config inferred from a snapshot (``driftwatch init``, and the hint
``check`` prints when the default config plainly does not fit the database).

The tenant column is the foreign-key column most tables share to one table (that table is
the root); the scoping style is what the policy analyser actually proves the tenant
tables' SELECT policies with under that column (the claim, or a membership relation and
the helper most tables call); global tables are the exposed ones with no tenant link,
proposed as exemptions to confirm. Everything is sorted: the same catalog gives the same
file.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, enums

from driftwatch import config as configmod
from driftwatch import idents, model
from driftwatch.rules._context import Context
from driftwatch.rules._exposure import DB_SCHEMAS_SETTING, parse_schema_list
from driftwatch.sqlexpr import (
    SqlSyntaxError,
    attr,
    column_fields,
    deparse,
    func_name,
    op_name,
    parse_expr,
    strip,
    walk,
)


@dataclass(frozen=True)
class Inference:
    column: str | None = None
    root: str | None = None
    column_tables: int = 0  # tables with a foreign key on the column to the root
    style: str = "unknown"  # "claim" | "membership" | "unknown"
    claim_tables: int = 0
    claim: str = configmod.CLAIM_DEFAULT
    membership: str | None = None  # the membership relation
    member_columns: tuple[str, ...] = ()
    membership_tables: int = 0
    helper: str | None = None  # schema.name of the helper most tables call
    helper_tables: int = 0
    exposed: tuple[str, ...] = ("public",)
    exposed_from_setting: bool = False
    unexposed: tuple[str, ...] = ()  # schemas with RLS tenant tables the setting leaves out
    exempt: tuple[tuple[str, str], ...] = field(default=())  # (table, reason)


def _tenant_column(snapshot: model.Snapshot) -> tuple[str | None, str | None, int]:
    tables = snapshot.objects.tables
    counts: Counter[tuple[str, str]] = Counter()
    for key, t in tables.items():
        if t.partition_of is not None:
            continue
        seen: set[tuple[str, str]] = set()
        for con in t.constraints.values():
            ref = con.references
            if con.type != "foreign_key" or ref is None or len(con.columns) != 1:
                continue
            if ref.table == key or ref.table not in tables or len(ref.columns) != 1:
                continue
            seen.add((con.columns[0], ref.table))
        counts.update(seen)
    if not counts:
        return None, None, 0
    (column, root), n = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    if n < 2:
        return None, None, 0
    return column, root, n


def _exposed_fallback(snapshot: model.Snapshot, column: str | None, root: str | None) -> set[str]:
    schemas = {"public"} if any(k.startswith("public.") for k in snapshot.objects.tables) else set()
    for key, t in snapshot.objects.tables.items():
        if t.rls.enabled and (key == root or (column is not None and column in t.columns)):
            schemas.add(idents.split_key(key)[0])
    return schemas or {"public"}


_CLAIM_SOURCES = frozenset({"auth.jwt", "current_setting"})


def _plain(node: Any) -> str:
    """A claim expression as one would write it in the config: casts and the ``(select …)``
    wrapper dropped (they do not matter to the analyser), JSON operators spaced."""
    node = strip(node)
    if (
        isinstance(node, ast.A_Expr)
        and node.kind == enums.A_Expr_Kind.AEXPR_OP
        and attr(node, "lexpr") is not None
    ):
        return f"{_plain(node.lexpr)} {op_name(node)} {_plain(node.rexpr)}"
    if isinstance(node, ast.FuncCall) and all(
        isinstance(strip(a), ast.A_Const) for a in attr(node, "args") or ()
    ):
        return f"{func_name(node)}({', '.join(_plain(a) for a in attr(node, 'args') or ())})"
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return "'" + str(node.val.sval).replace("'", "''") + "'"
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Boolean):
        return "true" if node.val.boolval else "false"
    return deparse(node)


def _claim_candidate(ctx: Context, column: str) -> tuple[str | None, int]:
    """The expression most tables' SELECT policies compare ``column`` with, when it reads
    the JWT (``auth.jwt()``, ``current_setting(…)``): the claim they use."""
    counts: Counter[str] = Counter()
    for key in ctx.tenant_tables:
        seen: set[str] = set()
        for _name, pol in ctx.policies(key):
            if pol.command not in ("SELECT", "ALL") or pol.using is None:
                continue
            try:
                tree = parse_expr(pol.using)
            except SqlSyntaxError:
                continue
            for n in walk(tree):
                if not (isinstance(n, ast.A_Expr) and op_name(n) == "=" and attr(n, "rexpr")):
                    continue
                for a, b in ((n.lexpr, n.rexpr), (n.rexpr, n.lexpr)):
                    a = strip(a)
                    if not (
                        isinstance(a, ast.ColumnRef) and (column_fields(a) or ())[-1:] == (column,)
                    ):
                        continue
                    if any(
                        isinstance(f, ast.FuncCall) and func_name(f) in _CLAIM_SOURCES
                        for f in walk(b)
                    ):
                        seen.add(_plain(b))
        counts.update(seen)
    if not counts:
        return None, 0
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _db_schemas(snapshot: model.Snapshot) -> set[str]:
    """``pgrst.db_schemas`` wherever the snapshot's role settings carry it."""
    return {
        s
        for role in snapshot.objects.roles.values()
        if DB_SCHEMAS_SETTING in role.settings
        for s in parse_schema_list(role.settings[DB_SCHEMAS_SETTING])
    }


def infer(snapshot: model.Snapshot) -> Inference:
    """What the catalog says about its tenancy."""
    column, root, n = _tenant_column(snapshot)
    db_schemas = _db_schemas(snapshot)
    guessed = _exposed_fallback(snapshot, column, root)
    exposed = tuple(sorted(db_schemas or guessed))
    unexposed = tuple(sorted(guessed - set(exposed)))
    if column is None or root is None:
        return Inference(
            exposed=exposed, exposed_from_setting=bool(db_schemas), unexposed=unexposed
        )
    cfg = configmod.Config(
        tenancy=configmod.Tenancy(column=column, root_table=root, exposed_schemas=list(exposed))
    )
    ctx = Context(snapshot, cfg)
    an = ctx.analyser
    evidence = an.evidence()

    def top(prefix: str) -> tuple[str | None, int]:
        found = sorted(
            ((k.partition(":")[2], c) for k, c in evidence.items() if k.startswith(prefix)),
            key=lambda kc: (-kc[1], kc[0]),
        )
        return found[0] if found else (None, 0)

    membership, m_tables = top("membership:")
    helper, h_tables = top("helper1:")
    claim_tables = evidence["claim"]
    claim = configmod.CLAIM_DEFAULT
    style = "unknown"
    if membership is not None and m_tables >= claim_tables:
        style = "membership"
    elif claim_tables:
        style = "claim"
    else:  # maybe another claim: prove the policies with the one they use
        other, _n = _claim_candidate(ctx, column)
        if other is not None:
            cfg = configmod.Config(
                tenancy=configmod.Tenancy(
                    column=column, root_table=root, claim=other, exposed_schemas=list(exposed)
                )
            )
            ctx = Context(snapshot, cfg)
            an = ctx.analyser
            evidence = an.evidence()
            if evidence["claim"]:
                style, claim, claim_tables = "claim", other, evidence["claim"]
    members: tuple[str, ...] = ()
    if membership is not None:
        found = an.membership(membership)
        members = tuple(sorted(found[1])) if found else ()
    exempt = []
    for key in ctx.tenant_tables:
        if ctx.is_root(key) or ctx.scoped_path(key) is not None or an.per_user(key):
            continue
        reason = (
            f"no {column} and no NOT NULL foreign key to a tenant table (proposed by"
            " driftwatch init: confirm every tenant shares it)"
        )
        exempt.append((key, reason))
    return Inference(
        column=column,
        root=root,
        column_tables=n,
        style=style,
        claim_tables=claim_tables,
        claim=claim,
        membership=membership if style == "membership" else None,
        member_columns=members if style == "membership" else (),
        membership_tables=m_tables,
        helper=helper if style == "membership" else None,
        helper_tables=h_tables,
        exposed=exposed,
        exposed_from_setting=bool(db_schemas),
        unexposed=unexposed,
        exempt=tuple(sorted(exempt)),
    )


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def render(inf: Inference, snapshot: model.Snapshot) -> str:
    """The config file, every inferred value explained by the comment above it."""
    meta = snapshot.meta
    lines = [
        f"# driftwatch configuration inferred by `driftwatch init` from database {meta.database}",
        f"# (PostgreSQL {meta.server_version}). Each value says what it was inferred from;",
        "# review them, then keep this file (config/driftwatch.toml is read by default).",
        "# Every key is documented in docs/configuration.md and docs/tenancy.md.",
        "",
        "[tenancy]",
    ]
    if inf.column is None or inf.root is None:
        lines += [
            "# No foreign-key column is shared by two or more tables: no tenant column could be",
            "# inferred. Set it (and root_table) by hand; the defaults are organization_id and",
            "# organizations.",
        ]
    else:
        lines += [
            "# The tenant column: the foreign-key column most tables share to one table",
            f"# ({inf.column} -> {inf.root}, on {inf.column_tables} tables).",
            f"column = {_s(inf.column)}",
            "# The tenant root: the table that column references, scoped by its own key.",
            f"root_table = {_s(inf.root)}",
        ]
        if inf.style == "claim":
            lines += [
                f"# Scoping style: the JWT claim. The SELECT policies of {inf.claim_tables} tables",
                f"# compare {inf.column} with it (proved from their SQL).",
                f"claim = {_s(inf.claim)}",
            ]
        elif inf.style == "membership":
            members = ", ".join(inf.member_columns)
            lines += [
                "# Scoping style: membership, proved from the policies' SQL. A row of",
                f"# {inf.membership} ({inf.column}, and {members} bound to the caller) scopes",
                f"# the SELECT policies of {inf.membership_tables} tables",
            ]
            if inf.helper is not None:
                lines[-1] += f"; {inf.helper_tables} of them call"
                lines.append(f"# {inf.helper}({inf.column}), whose body does that join")
            lines[-1] += "."
            lines += [
                "# Membership joins and helper bodies are read from their SQL: nothing to configure.",
                "# List a helper in trusted_functions only when its body cannot be read (C,",
                f'# dynamic SQL), e.g. trusted_functions = ["schema.helper({inf.column})"].',
            ]
        else:
            lines += [
                "# Scoping style: not recognised. No SELECT policy compares the tenant column with",
                "# the default claim or joins a membership relation bound to the caller; set claim",
                "# to the expression your policies use, or trusted_functions to their helpers.",
            ]
    if inf.exposed_from_setting:
        lines.append(
            "# Exposed schemas: from pgrst.db_schemas (what PostgREST serves, set on a role)."
        )
        if inf.unexposed:
            lines += [
                f"# Not served, yet holding RLS tables with the tenant column: {', '.join(inf.unexposed)}",
                "# (add them to audit those tables too).",
            ]
    else:
        lines += [
            "# Exposed schemas: pgrst.db_schemas is not set here; these are public and the schemas",
            "# whose RLS tables hold the tenant column. Drop any the API does not serve.",
        ]
    lines.append("exposed_schemas = [" + ", ".join(_s(s) for s in inf.exposed) + "]")
    if inf.exempt:
        lines += [
            "# Global tables: exposed, with no tenant column and no NOT NULL foreign key to a",
            "# tenant table. Confirm each is shared by every tenant (else add the column).",
            "exempt = [",
        ]
        lines += [f"  {{ table = {_s(t)}, reason = {_s(r)} }}," for t, r in inf.exempt]
        lines.append("]")
    return "\n".join(lines) + "\n"


def _some_proof(ctx: Context) -> bool:
    """Is any tenant table's SELECT policy proved by the claim or a membership? (stops at
    the first: on a database that fits, that is the first table)"""
    an = ctx.analyser
    for key in ctx.tenant_tables:
        for _name, pol in ctx.policies(key):
            if pol.permissive and pol.command in ("SELECT", "ALL") and ctx.app_roles_of(pol):
                via = an.verdict(key, pol.using).via
                if any(k == "claim" or k.startswith(("membership:", "helper")) for k in via):
                    return True
    return False


def hint(snapshot: model.Snapshot, cfg: configmod.Config) -> str | None:
    """One line when the configured tenant column is plainly not this database's."""
    column, root, n = _tenant_column(snapshot)
    if column is None:
        return None
    if column == cfg.tenancy.column:
        ctx = Context(snapshot, cfg)
        if _some_proof(ctx):
            return None
        other, tables = _claim_candidate(ctx, column)
        if other is None:
            return None
        return (
            f"no policy compares {column} with the configured claim; {tables} tables compare it"
            f" with {other}: run `driftwatch init --dsn DSN` to write a config for this database"
        )
    if any(cfg.tenancy.column in t.columns for t in snapshot.objects.tables.values()):
        return None
    return (
        f"no table has {cfg.tenancy.column}; {n} tables share {column} -> {root}: run"
        " `driftwatch init --dsn DSN` to write a config for this database"
    )
