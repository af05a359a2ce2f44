"""Policy analysis on the PostgreSQL parse tree (pglast), not on strings.

A policy expression is judged at one of three levels: it *scopes the tenant* when every
path through it implies ``row.<tenant column> ∈ {tenants of the caller}``; it *binds the
caller* when every path implies the row belongs to the caller (``user_id = auth.uid()``,
stricter than the tenant, enough for reading); else it admits other tenants' rows.

* ``AND``: the best operand; ``OR``: the worst; ``NOT``: nothing; ``x = true`` is ``x``.
* ``col = claim`` either way round; casts, parentheses, ``nullif(…, '')`` and a
  ``(SELECT …)`` wrapper do not matter; ``col = ANY (ARRAY[claim])``/``col IN (claim)`` too.
* membership: ``EXISTS``/``IN`` over a membership relation (a table whose unique key is its
  tenant column plus a user column) that binds the row's tenant column and binds the user
  column to the caller (``auth.uid()``, the ``sub`` or ``email`` of the JWT, the claim,
  ``current_user``).
* a call to a helper whose body (SQL, SQL-standard, or a plpgsql ``RETURN``) does any of
  the above with the arguments substituted; helpers calling helpers are followed. The
  configured ``trusted_functions`` are taken on trust (the escape hatch).
* ``EXISTS (SELECT 1 FROM parent p WHERE p.key = child.fk AND <scoped for p>)`` and
  ``child.fk IN (SELECT p.key FROM parent p WHERE <scoped for p>)`` scope the child when
  ``child.fk → parent(key)`` is a foreign key (followed through grandchildren); ``<scoped
  for p>`` may be left out when the parent's own SELECT policies are scoped (the subquery
  runs under the caller's RLS; not inside a SECURITY DEFINER helper, which bypasses it).
* the tenant root is scoped by its own key through the same membership.
* ``false`` admits nothing and is scoped; ``true``, ``IS NOT NULL``, comparisons of other
  columns and anything else are not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from pglast import ast, enums

from driftwatch import config as configmod
from driftwatch import idents, model
from driftwatch.errors import ConfigError
from driftwatch.rules._helpers import Helper, Helpers
from driftwatch.rules._tenancy import COMMANDS, TenancyFacts, policy_applies
from driftwatch.sqlexpr import (
    SqlSyntaxError,
    attr,
    children,
    column_fields,
    deparse,
    func_name,
    normalise,
    op_name,
    parse_expr,
    scalar_select_value,
    strip,
    walk,
)

PER_ROW_FUNCTIONS = frozenset(
    {"auth.jwt", "auth.uid", "auth.role", "auth.email", "current_setting"}
)
# Expressions that name the calling user (besides the configured claim).
CALLER_EXPRESSIONS = (
    "auth.uid()",
    "auth.jwt() ->> 'sub'",
    "current_setting('request.jwt.claim.sub', true)",
    "current_setting('request.jwt.claim.sub')",
    "auth.email()",
    "auth.jwt() ->> 'email'",
    "current_user",
    "session_user",
    "current_role",
)
CALLER_TEXT = "auth.uid(), the claim or current_user"

NONE, CALLER, TENANT = 0, 1, 2
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Scope:
    alias: str
    table: str  # qualified key
    level: int = 0  # nesting: the same table twice (policy table, subquery) are two scopes


@dataclass(frozen=True, slots=True)
class Verdict:
    scoped: bool  # scopes the tenant
    culprit: str = ""  # deparsed sub-expression that leaves a path unscoped
    level: int = NONE  # NONE / CALLER / TENANT
    reason: str = ""  # why the culprit does not scope (helper bodies, membership joins)
    via: frozenset[str] = frozenset()  # how it was proved: claim, helper:…, membership:…


@dataclass(frozen=True, slots=True)
class _Trusted:
    name: str
    args: tuple[Any, ...] | None  # normalised patterns; "TENANT" stands for the tenant column


@dataclass(frozen=True, slots=True)
class _R:
    level: int
    culprit: Any = None
    reason: str = ""
    via: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Frame:
    helper: Helper
    args: tuple[Any, ...]  # the node each parameter receives
    outer: _Env


@dataclass(frozen=True, slots=True)
class _Env:
    scopes: tuple[Scope, ...]
    frame: _Frame | None = None
    rls: bool = True  # subqueries run under the caller's RLS (not in SECURITY DEFINER)
    stack: tuple[str, ...] = field(default=())


_FUNC_NAME = re.compile(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?")
_TENANT: tuple[Any, ...] = ("tenant-column",)
_TRUE = Verdict(True, level=TENANT)


def _conjuncts(node: Any) -> list[Any]:
    if isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.AND_EXPR:
        out: list[Any] = []
        for arg in attr(node, "args"):
            out.extend(_conjuncts(arg))
        return out
    return [node]


def _parse_setting(text: str, where: str) -> Any:
    try:
        return parse_expr(text)
    except SqlSyntaxError as exc:
        raise ConfigError(f"{where}: not a valid SQL expression: {text!r} ({exc})") from None


def _unwrap_value(node: Any) -> Any:
    """``nullif(x, '')`` compares like ``x`` (a NULL never equals anything)."""
    node = strip(node)
    while True:
        if isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_NULLIF:
            node = strip(node.lexpr)
        elif isinstance(node, ast.FuncCall) and func_name(node) == "nullif":
            args: list[Any] = list(attr(node, "args") or ())
            if len(args) != 2:
                return node
            node = strip(args[0])
        else:
            return node


@dataclass(frozen=True)
class Settings:
    """The ``[tenancy]`` expressions the analyser compares with, parsed once."""

    claim: Any  # normalised tenant claim
    claim_functions: frozenset[str]
    trusted: tuple[_Trusted, ...]
    role_claim: Any  # normalised role claim of delete_role_check


def parse_settings(tenancy: configmod.Tenancy) -> Settings:
    """Parse the claim, trusted helpers and role claim of ``tenancy`` (ConfigError naming
    the setting when one is not valid SQL). Needs no snapshot: ``config.load`` calls it."""
    claim = _parse_setting(tenancy.claim, "tenancy.claim")
    claim_functions = frozenset(func_name(n) for n in walk(claim) if isinstance(n, ast.FuncCall))
    trusted: list[_Trusted] = []
    for i, text in enumerate(tenancy.trusted_functions):
        where = f"tenancy.trusted_functions[{i}]"
        if "(" not in text:
            if not _FUNC_NAME.fullmatch(text.strip()):
                raise ConfigError(f"{where}: expected a function name or call, got {text!r}")
            trusted.append(_Trusted(text.strip(), None))
            continue
        node = _parse_setting(text, where)
        if not isinstance(node, ast.FuncCall):
            raise ConfigError(f"{where}: expected a function call, got {text!r}")
        args = tuple(
            _TENANT
            if isinstance(a, ast.ColumnRef) and column_fields(a) == (tenancy.column,)
            else normalise(a)
            for a in attr(node, "args") or ()
        )
        trusted.append(_Trusted(func_name(node), args))
    drc = tenancy.delete_role_check
    role_claim = normalise(_parse_setting(drc.claim, "tenancy.delete_role_check.claim"))
    return Settings(normalise(claim), claim_functions, tuple(trusted), role_claim)


class Analyser:
    def __init__(self, ctx: TenancyFacts) -> None:
        self.ctx = ctx
        tenancy = ctx.tenancy
        settings = parse_settings(tenancy)
        self.claim = settings.claim
        self.claim_functions = settings.claim_functions
        self.callers = frozenset(
            {self.claim} | {normalise(parse_expr(t)) for t in CALLER_EXPRESSIONS}
        )
        self.trusted: list[_Trusted] = list(settings.trusted)
        drc = tenancy.delete_role_check
        self.role_claim = settings.role_claim
        self.allowed_roles = frozenset(drc.roles)
        self.helpers = Helpers(ctx.objects.functions)
        self._memo: dict[tuple[Any, ...], Verdict] = {}
        self._parent_memo: dict[str, bool] = {}
        self._text_memo: dict[tuple[str, str], Any] = {}  # per-text facts; texts repeat a lot
        self._membership: dict[str, tuple[str, frozenset[str]] | None] = {}
        self._per_user: dict[str, bool] = {}
        self._levels = 0  # scope nesting counter (makes subquery scopes distinct)

    def _by_text(self, kind: str, text: str, compute: Any) -> Any:
        key = (kind, text)
        if key not in self._text_memo:
            self._text_memo[key] = compute(text)
        return self._text_memo[key]

    # ------------------------------------------------------------------ public

    def verdict(self, table: str, text: str | None) -> Verdict:
        """How far ``text`` (a USING / WITH CHECK expression of ``table``) confines rows."""
        if text is None:
            return Verdict(False, "no expression (admits every row)")
        tenant = self.ctx.tenant_column(table)
        dependent = self._by_text("dependent", text, self._table_dependent)
        key = (text, table) if dependent else (text, tenant, None)
        hit = self._memo.get(key)
        if hit is None:
            try:
                node = parse_expr(text)
            except SqlSyntaxError:
                hit = Verdict(False, "expression could not be parsed")
            else:
                target = Scope(idents.split_key(table)[1], table)
                r = self._check(node, target, _Env((target,)))
                if r.level == TENANT:
                    hit = _TRUE if not r.via else Verdict(True, level=TENANT, via=r.via)
                else:
                    culprit = deparse(r.culprit) if r.culprit is not None else deparse(node)
                    hit = Verdict(False, culprit, r.level, r.reason, r.via)
            self._memo[key] = hit
        return hit

    def accepts(self, table: str, clause: str, v: Verdict) -> bool:
        """Tenant scope always passes; rows bound to the caller pass for reading, and for
        writing only where the table has no tenant to write into."""
        if v.level == TENANT:
            return True
        return v.level == CALLER and (clause == "USING" or self.ctx.scoped_path(table) is None)

    def clauses(self, policy: model.Policy) -> list[tuple[str, str | None]]:
        """The (clause, expression) pairs PostgreSQL evaluates for ``policy``."""
        out: list[tuple[str, str | None]] = []
        if policy.command in ("SELECT", "UPDATE", "DELETE", "ALL"):
            out.append(("USING", policy.using))
        if policy.command in ("INSERT", "UPDATE", "ALL"):
            out.append(
                ("WITH CHECK", policy.with_check if policy.with_check is not None else policy.using)
            )
        return out

    def creates_tenants(self, table: str) -> bool:
        """``table`` is the tenant root keyed by a single-column primary key: an INSERT can
        only create a new tenant, never attach the caller to an existing one."""
        return self.ctx.is_root(table) and len(self.ctx.primary_key(table)) == 1

    def unscoped(self, table: str, name: str, policy: model.Policy) -> list[tuple[str, Verdict]]:
        """Clauses of a permissive ``policy`` that leave some app role and command unscoped
        (a scoped RESTRICTIVE policy for the same role and command rescues them). INSERT
        into the tenant root creates a tenant and is not judged here (tenant-root-insert)."""
        out: list[tuple[str, Verdict]] = []
        roles = self.ctx.app_roles_of(policy)
        if not roles:
            return out
        for clause, text in self.clauses(policy):
            commands = [c for c in COMMANDS if policy.command in ("ALL", c)]
            if clause == "USING":
                commands = [c for c in commands if c != "INSERT"]
            else:
                commands = [c for c in commands if c in ("INSERT", "UPDATE")]
                if self.creates_tenants(table):
                    commands = [c for c in commands if c != "INSERT"]
                    if not commands:
                        continue
            v = self.verdict(table, text)
            if self.accepts(table, clause, v):
                continue
            if all(self._restricted(table, c, r, clause) for c in commands for r in roles):
                continue
            if v.level == CALLER:
                who = (
                    f"the caller can add itself to any existing tenant of {table}"
                    if self.membership(table) is not None
                    else "the caller can write rows into any tenant"
                )
                v = replace(v, reason=f"it binds the row to the caller only: {who}")
            out.append((clause, v))
        return out

    def parent_scoped(self, table: str) -> bool:
        """Does RLS on ``table`` alone confine SELECT to the tenant (so a subquery over it,
        run under the caller's RLS, is scoped)?"""
        if table in self._parent_memo:
            return self._parent_memo[table]
        self._parent_memo[table] = False  # cycle guard
        t = self.ctx.tables.get(table)
        ok = False
        if t is not None and t.rls.enabled:
            found = False
            ok = True
            for name, pol in self.ctx.policies(table):
                if not pol.permissive or pol.command not in ("SELECT", "ALL"):
                    continue
                if not self.ctx.app_roles_of(pol):
                    continue
                found = True
                if self.unscoped(table, name, pol):
                    ok = False
                    break
            ok = ok and found
        self._parent_memo[table] = ok
        return ok

    def per_user(self, table: str) -> bool:
        """A table with no tenant link whose app-role policies all bind rows to the caller
        (``profiles``: each user's own rows): stricter than the tenant, not a tenant table."""
        hit = self._per_user.get(table)
        if hit is not None:
            return hit
        t = self.ctx.tables.get(table)
        ok = False
        if t is not None and t.rls.enabled and self.ctx.scoped_path(table) is None:
            found = False
            ok = True
            for _name, pol in self.ctx.policies(table):
                if not pol.permissive or not self.ctx.app_roles_of(pol):
                    continue
                for _clause, text in self.clauses(pol):
                    v = self.verdict(table, text)
                    if v.level == CALLER:
                        found = True
                    elif v.level != TENANT or v.via:  # only `false` may join the caller's rows
                        ok = False
            ok = ok and found
        self._per_user[table] = ok
        return ok

    def membership(self, table: str) -> tuple[str, frozenset[str]] | None:
        """``(tenant column, user columns)`` when ``table`` is a membership relation: a
        unique key of exactly its tenant reference and one other column (the member)."""
        if table in self._membership:
            return self._membership[table]
        out: tuple[str, frozenset[str]] | None = None
        t = self.ctx.tables.get(table)
        ref = self.tenant_ref(table)
        if t is not None and ref is not None and not self.ctx.is_root(table):
            keys = [
                c.columns for c in t.constraints.values() if c.type in ("primary_key", "unique")
            ]
            keys += [i.columns for i in t.indexes.values() if i.unique and i.predicate is None]
            users = frozenset(c for k in keys if len(k) == 2 and ref in k for c in k if c != ref)
            if users:
                out = (ref, users)
        self._membership[table] = out
        return out

    def tenant_ref(self, table: str) -> str | None:
        """The column of ``table`` naming a tenant: the tenant column, else the one column
        of a foreign key to the tenant root."""
        col = self.ctx.tenant_column(table)
        if col is not None:
            return col
        if table not in self.ctx.tables:
            return None
        for link in self.ctx.foreign_links(table):
            if len(link.columns) == 1 and self.ctx.is_root(link.parent):
                return link.columns[0]
        return None

    def evidence(self) -> Counter[str]:
        """How reading the tenant tables is proved (claim, helper:…, helper1:…, membership:…,
        parent:…, caller): for each fact, the number of tables whose SELECT policies use it."""
        hit: Counter[str] | None = self._text_memo.get(("evidence", ""))
        if hit is None:
            hit = Counter()
            for key in self.ctx.tenant_tables:
                facts: set[str] = set()
                for _name, pol in self.ctx.policies(key):
                    if (
                        pol.permissive
                        and pol.command in ("SELECT", "ALL")
                        and self.ctx.app_roles_of(pol)
                    ):
                        facts |= self.verdict(key, pol.using).via
                hit.update(facts)
            self._text_memo[("evidence", "")] = hit
        return hit

    def style_helper(self) -> str | None:
        """The membership helper most policies are proved through (for remediations)."""
        helpers = [(n, k) for k, n in self.evidence().items() if k.startswith("helper1:")]
        if not helpers:
            return None
        return sorted(helpers, key=lambda x: (-x[0], x[1]))[0][1].partition(":")[2]

    def per_row_calls(self, text: str | None) -> list[str]:
        """Claim functions called once per row: not inside a scalar ``(SELECT …)``."""
        if text is None:
            return []
        result: list[str] = self._by_text("per-row", text, self._per_row_calls)
        return result

    def _per_row_calls(self, text: str) -> list[str]:
        try:
            node = parse_expr(text)
        except SqlSyntaxError:
            return []
        names = PER_ROW_FUNCTIONS | self.claim_functions
        found: list[str] = []
        self._per_row(node, names, found)
        return sorted(set(found))

    def _per_row(self, node: Any, names: frozenset[str], found: list[str]) -> None:
        if isinstance(node, ast.SubLink) and node.subLinkType == enums.SubLinkType.EXPR_SUBLINK:
            return
        if isinstance(node, ast.FuncCall):
            name = func_name(node)
            if name in names:
                found.append(name)
        for child in children(node):
            self._per_row(child, names, found)

    def reads_user_metadata(self, text: str | None) -> bool:
        if text is None:
            return False
        return bool(self._by_text("user-metadata", text, self._reads_user_metadata))

    @staticmethod
    def _reads_user_metadata(text: str) -> bool:
        try:
            node = parse_expr(text)
        except SqlSyntaxError:
            return False
        for n in walk(node):
            if isinstance(n, ast.String) and (
                str(n.sval) == "user_metadata" or str(n.sval).startswith("{user_metadata")
            ):
                return True
            if isinstance(n, ast.ColumnRef) and "raw_user_meta_data" in (column_fields(n) or ()):
                return True
        return False

    def role_checked(self, text: str | None) -> bool:
        """Does every path through ``text`` require the role claim to be an allowed role?"""
        if text is None:
            return False
        return bool(self._by_text("role", text, self._role_checked))

    def _role_checked(self, text: str) -> bool:
        try:
            return self._role(parse_expr(text))
        except SqlSyntaxError:
            return False

    # ------------------------------------------------------------------ internals

    def _table_dependent(self, text: str) -> bool:
        try:
            node = parse_expr(text)
        except SqlSyntaxError:
            return False
        for n in walk(node):
            if isinstance(n, ast.SubLink) and n.subLinkType != enums.SubLinkType.EXPR_SUBLINK:
                return True
            if isinstance(n, ast.ColumnRef) and len(n.fields) > 1:
                return True
            if isinstance(n, ast.FuncCall) and not isinstance(self.helpers.resolve(n), str):
                return True  # a helper body may join through the table's foreign keys
        return False

    def _restricted(self, table: str, command: str, role: str, clause: str) -> bool:
        for _name, pol in self.ctx.policies(table):
            if pol.permissive or not policy_applies(pol, command, role):
                continue
            text = (
                pol.using
                if clause == "USING"
                else (pol.with_check if pol.with_check is not None else pol.using)
            )
            if text is not None and self.accepts(table, clause, self.verdict(table, text)):
                return True
        return False

    # ------------------------------------------------------------------ names and values

    def _param(self, node: Any, env: _Env) -> int | None:
        """The index of the helper parameter ``node`` names in ``env``'s body, if any."""
        frame = env.frame
        if frame is None:
            return None
        names = [p.name for p in frame.helper.params]
        if isinstance(node, ast.ParamRef):
            i = int(node.number) - 1
            return i if 0 <= i < len(names) else None
        if not isinstance(node, ast.ColumnRef):
            return None
        fields = column_fields(node)
        if not fields:
            return None
        if len(fields) == 2 and fields[0] == frame.helper.name and fields[1] in names:
            return names.index(fields[1])
        if len(fields) == 1 and fields[0] in names:
            # In SQL functions a column of the query wins over a parameter of the same name.
            for sc in env.scopes:
                t = self.ctx.tables.get(sc.table)
                if t is not None and fields[0] in t.columns:
                    return None
            return names.index(fields[0])
        return None

    def _deref(self, node: Any, env: _Env) -> tuple[Any, _Env]:
        """``node`` with helper parameters replaced by the arguments of the call."""
        node = strip(node)
        for _ in range(_MAX_DEPTH + 1):
            i = self._param(node, env)
            if i is None or env.frame is None:
                break
            node, env = strip(env.frame.args[i]), env.frame.outer
        return node, env

    def _resolve(self, node: Any, env: _Env) -> tuple[Scope, str] | None:
        node, env = self._deref(node, env)
        if not isinstance(node, ast.ColumnRef):
            return None
        fields = column_fields(node)
        scopes = env.scopes
        if not fields or not scopes:
            return None
        col = fields[-1]
        if len(fields) == 1:
            for sc in reversed(scopes):
                t = self.ctx.tables.get(sc.table)
                if t is not None and col in t.columns:
                    return sc, col
            return scopes[0], col
        qual = fields[-2]
        schema = fields[-3] if len(fields) >= 3 else None
        for sc in reversed(scopes):
            if sc.alias == qual and (schema is None or sc.table == f"{schema}.{qual}"):
                return sc, col
        return None

    def _is_claim(self, node: Any, env: _Env) -> bool:
        node, env = self._deref(node, env)
        node = _unwrap_value(node)
        if normalise(node) == self.claim:
            return True
        if isinstance(node, ast.FuncCall) and not attr(node, "args"):
            name = func_name(node)
            if any(t.name == name and t.args == () for t in self.trusted):
                return True
        return self._value_helper(node, env, self._is_claim)

    def _is_caller(self, node: Any, env: _Env) -> bool:
        node, env = self._deref(node, env)
        node = _unwrap_value(node)
        return normalise(node) in self.callers or self._value_helper(node, env, self._is_caller)

    def _value_helper(self, node: Any, env: _Env, test: Any) -> bool:
        """A helper whose body is one value passing ``test`` (``current_org_id()``)."""
        if not isinstance(node, ast.FuncCall) or func_name(node) in PER_ROW_FUNCTIONS:
            return False
        h = self.helpers.resolve(node)
        if isinstance(h, str) or h.expr is None or h.key in env.stack:
            return False
        if len(env.stack) >= _MAX_DEPTH:
            return False
        args = Helpers.bind(h, node)
        if args is None:
            return False
        henv = _Env(
            (), _Frame(h, args, env), env.rls and not h.security_definer, (*env.stack, h.key)
        )
        return bool(test(h.expr, henv))

    def _is_tenant(self, node: Any, target: Scope, env: _Env) -> bool:
        res = self._resolve(node, env)
        return (
            res is not None and res[0] == target and res[1] == self.ctx.tenant_column(target.table)
        )

    def _of_target(self, node: Any, target: Scope, env: _Env) -> bool:
        res = self._resolve(node, env)
        return res is not None and res[0] == target

    # ------------------------------------------------------------------ the judgement

    def _check(self, node: Any, target: Scope, env: _Env) -> _R:
        """How far ``node`` confines the rows of ``target`` (``culprit``: what to blame)."""
        if isinstance(node, ast.BoolExpr):
            if node.boolop == enums.BoolExprType.AND_EXPR:
                rs = [self._check(a, target, env) for a in attr(node, "args")]
                best = max(rs, key=lambda r: r.level)
                if best.level == TENANT:
                    return best
                reason = next((r.reason for r in rs if r.reason), "")
                return _R(best.level, node, reason, best.via)
            if node.boolop == enums.BoolExprType.OR_EXPR:
                rs = [self._check(a, target, env) for a in attr(node, "args")]
                worst = min(rs, key=lambda r: r.level)
                via = frozenset().union(*(r.via for r in rs))
                return _R(worst.level, worst.culprit, worst.reason, via)
            return _R(NONE, node)
        if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Boolean):
            return _R(TENANT) if not node.val.boolval else _R(NONE, node)
        if isinstance(node, ast.BooleanTest) and node.booltesttype == enums.BoolTestType.IS_TRUE:
            return self._check(node.arg, target, env)
        if isinstance(node, ast.A_Expr) and op_name(node) == "=":
            return self._equality(node, target, env)
        if isinstance(node, ast.FuncCall):
            return self._call(node, target, env)
        if isinstance(node, ast.SubLink):
            r = _R(NONE)
            if node.subLinkType == enums.SubLinkType.EXISTS_SUBLINK:
                r = self._exists(node.subselect, target, env, None)
            elif node.subLinkType == enums.SubLinkType.ANY_SUBLINK:
                r = self._any(node.subselect, target, env, (attr(node, "testexpr"), env))
            return r if r.level == TENANT else _R(r.level, node, r.reason, r.via)
        if isinstance(node, ast.ColumnRef | ast.ParamRef):
            inner, ienv = self._deref(node, env)
            if inner is not node and ienv is not env:
                return self._check(inner, target, ienv)
        return _R(NONE, node)

    def _equality(self, node: ast.A_Expr, target: Scope, env: _Env) -> _R:
        left, right = node.lexpr, node.rexpr
        if node.kind == enums.A_Expr_Kind.AEXPR_OP:
            for a, b in ((left, right), (right, left)):
                sb = strip(b)
                if (
                    isinstance(sb, ast.A_Const)
                    and isinstance(sb.val, ast.Boolean)
                    and sb.val.boolval
                ):
                    return self._check(strip(a), target, env)  # helper(x) = true
            for a, b in ((left, right), (right, left)):
                if self._is_tenant(a, target, env) and self._is_claim(b, env):
                    return _R(TENANT, via=frozenset({"claim"}))
            for a, b in ((left, right), (right, left)):
                if self._of_target(a, target, env) and self._is_caller(b, env):
                    return _R(CALLER, node, via=frozenset({"caller"}))
            return _R(NONE, node)
        if node.kind in (enums.A_Expr_Kind.AEXPR_OP_ANY, enums.A_Expr_Kind.AEXPR_IN):
            items = strip(right)
            if (
                isinstance(items, ast.SubLink)
                and items.subLinkType == enums.SubLinkType.ARRAY_SUBLINK
            ):
                r = self._any(items.subselect, target, env, (left, env))
                return r if r.level == TENANT else _R(r.level, node, r.reason, r.via)
            elems = attr(items, "elements") if isinstance(items, ast.A_ArrayExpr) else items
            if isinstance(elems, list | tuple) and len(elems) == 1:
                if self._is_tenant(left, target, env) and self._is_claim(elems[0], env):
                    return _R(TENANT, via=frozenset({"claim"}))
                if self._of_target(left, target, env) and self._is_caller(elems[0], env):
                    return _R(CALLER, node, via=frozenset({"caller"}))
        return _R(NONE, node)

    def _call(self, node: ast.FuncCall, target: Scope, env: _Env) -> _R:
        if self._trusted_call(node, target, env):
            return _R(TENANT, via=frozenset({f"trusted:{func_name(node)}"}))
        if func_name(node) in PER_ROW_FUNCTIONS or func_name(node) in self.claim_functions:
            return _R(NONE, node)
        h = self.helpers.resolve(node)
        if isinstance(h, str):
            return _R(NONE, node)
        if h.key in env.stack or len(env.stack) >= _MAX_DEPTH:
            return _R(NONE, node, f"{h.key} calls itself")
        if h.expr is None:
            why = h.why or "it returns rows, not a boolean"
            return _R(NONE, node, f"the body of {h.key} is not analysed: {why}")
        args = Helpers.bind(h, node)
        if args is None:
            return _R(NONE, node, f"the arguments do not match the parameters of {h.key}")
        henv = _Env(
            (), _Frame(h, args, env), env.rls and not h.security_definer, (*env.stack, h.key)
        )
        r = self._check(h.expr, target, henv)
        if r.level == TENANT:
            via = set(r.via) | {f"helper:{h.key}"}
            call_args: list[Any] = list(attr(node, "args") or ())
            if len(call_args) == 1 and self._is_tenant(call_args[0], target, env):
                via.add(f"helper1:{h.key.partition('(')[0]}")
            return _R(TENANT, via=frozenset(via))
        detail = (
            r.reason or f"its body admits {deparse(r.culprit if r.culprit is not None else h.expr)}"
        )
        if not r.reason and r.level == NONE:
            detail += (
                f" (it binds no column to {CALLER_TEXT})"
                if not self._binds_caller(h.expr, henv)
                else ""
            )
        return _R(r.level, node, f"{h.key}: {detail}", r.via)

    def _binds_caller(self, node: Any, env: _Env) -> bool:
        return any(self._is_caller(n, env) for n in walk(node) if isinstance(n, ast.Node))

    def _trusted_call(self, node: ast.FuncCall, target: Scope, env: _Env) -> bool:
        name = func_name(node)
        args = tuple(attr(node, "args") or ())
        for t in self.trusted:
            if t.name != name:
                continue
            if t.args is None:
                if any(self._is_tenant(a, target, env) for a in args):
                    return True
            elif (
                t.args
                and len(t.args) == len(args)
                and all(
                    self._is_tenant(a, target, env) if p == _TENANT else normalise(a) == p
                    for p, a in zip(t.args, args, strict=True)
                )
            ):
                return True
        return False

    def _from_scopes(self, items: Any, quals: list[Any], level: int) -> Iterator[Scope]:
        for item in items or ():
            if isinstance(item, ast.RangeVar):
                key = self._table_key(item)
                if key is not None:
                    alias = item.alias.aliasname if attr(item, "alias") else item.relname
                    yield Scope(alias, key, level)
            elif isinstance(item, ast.JoinExpr):
                if attr(item, "quals") is not None:
                    quals.extend(_conjuncts(attr(item, "quals")))
                yield from self._from_scopes((item.larg, item.rarg), quals, level)

    def _table_key(self, rv: ast.RangeVar) -> str | None:
        if attr(rv, "schemaname"):
            return idents.qualify(rv.schemaname, rv.relname)
        for schema in ("public", *sorted({idents.split_key(k)[0] for k in self.ctx.tables})):
            if idents.qualify(schema, rv.relname) in self.ctx.tables:
                return idents.qualify(schema, rv.relname)
        return None

    def _any(self, sel: Any, target: Scope, env: _Env, test: tuple[Any, _Env]) -> _R:
        """``x IN (SELECT …)``; ``SELECT f(args)`` of a set-returning helper is its body."""
        value = scalar_select_value(sel)
        if isinstance(value, ast.FuncCall):
            h = self.helpers.resolve(value)
            if isinstance(h, str) or h.query is None:
                why = h if isinstance(h, str) else f"the body of {h.key} is not one SELECT"
                return _R(NONE, reason=why)
            args = Helpers.bind(h, value)
            if args is None or h.key in env.stack or len(env.stack) >= _MAX_DEPTH:
                return _R(NONE, reason=f"the call of {h.key} cannot be followed")
            henv = _Env(
                (), _Frame(h, args, env), env.rls and not h.security_definer, (*env.stack, h.key)
            )
            r = self._exists(h.query, target, henv, test)
            if r.level == TENANT:
                return replace(r, via=r.via | {f"helper:{h.key}"})
            return replace(r, reason=f"{h.key}: {r.reason or 'its body does not scope the tenant'}")
        return self._exists(sel, target, env, test)

    def _exists(self, sel: Any, target: Scope, env: _Env, test: tuple[Any, _Env] | None) -> _R:
        if not isinstance(sel, ast.SelectStmt) or sel.op != enums.SetOperation.SETOP_NONE:
            return _R(NONE)
        quals: list[Any] = []
        self._levels += 1
        inner = tuple(self._from_scopes(attr(sel, "fromClause"), quals, self._levels))
        if not inner:
            return _R(NONE)
        ienv = replace(env, scopes=env.scopes + inner)
        where = attr(sel, "whereClause")
        conj = quals + (_conjuncts(where) if where is not None else [])
        # equalities between columns of two scopes: (from, to) → {from column: to column}
        pairs: dict[tuple[Scope, Scope], dict[str, str]] = {}
        sides: list[tuple[tuple[Any, _Env], tuple[Any, _Env]]] = [
            ((c.lexpr, ienv), (c.rexpr, ienv))
            for c in conj
            if isinstance(c, ast.A_Expr)
            and c.kind == enums.A_Expr_Kind.AEXPR_OP
            and op_name(c) == "="
        ]
        if test is not None:
            targets: list[Any] = list(attr(sel, "targetList") or [])
            if len(targets) != 1:
                return _R(NONE)
            sides.append((test, (targets[0].val, ienv)))
        callers: dict[Scope, set[str]] = {}
        for (a, ea), (b, eb) in sides:
            ra, rb = self._resolve(a, ea), self._resolve(b, eb)
            for res, other, oenv in ((ra, b, eb), (rb, a, ea)):
                if res is not None and res[0] in inner and self._is_caller(other, oenv):
                    callers.setdefault(res[0], set()).add(res[1])
            if ra is None or rb is None or ra[0] == rb[0]:
                continue
            pairs.setdefault((ra[0], rb[0]), {})[ra[1]] = rb[1]
            pairs.setdefault((rb[0], ra[0]), {})[rb[1]] = ra[1]

        def linked(child: Scope, parent: Scope) -> bool:
            """``child`` joined to ``parent`` on exactly a foreign key of ``child``."""
            cols = pairs.get((child, parent))
            if not cols or child.table not in self.ctx.tables:
                return False
            return any(
                link.parent == parent.table
                and all(
                    cols.get(c) == p for c, p in zip(link.columns, link.parent_columns, strict=True)
                )
                for link in self.ctx.foreign_links(child.table)
            )

        def same_tenant(a: Scope, b: Scope) -> bool:
            """``a``'s tenant column joined to ``b``'s tenant reference."""
            col, ref = self.ctx.tenant_column(a.table), self.tenant_ref(b.table)
            return col is not None and ref is not None and pairs.get((a, b), {}).get(col) == ref

        def scoped(sc: Scope, seen: frozenset[Scope], by_rls: bool = True) -> _R:
            """How far ``sc``'s rows are confined; ``by_rls``: may its own SELECT policies
            do it (for a foreign-key parent, not for a table merely sharing the tenant)."""
            best = _R(NONE)
            for c in conj:
                r = self._check(c, sc, ienv)
                if r.level > best.level:
                    best = r
                if best.level == TENANT:
                    return best
            member = self.membership(sc.table)
            if member is not None and callers.get(sc, set()) & member[1]:
                return _R(TENANT, via=frozenset({f"membership:{sc.table}"}))
            if (
                by_rls
                and env.rls
                and self.ctx.exemption(sc.table) is None
                and self.parent_scoped(sc.table)
            ):
                return _R(TENANT, via=frozenset({f"parent:{sc.table}"}))
            for nxt in inner:
                if nxt in seen:
                    continue
                through = step(sc, nxt, seen)
                if through is not None and through.level > best.level:
                    best = through
                if best.level == TENANT:
                    return best
            return best

        def step(frm: Scope, to: Scope, seen: frozenset[Scope]) -> _R | None:
            """``frm`` confined through ``to``: a foreign-key parent, or a table of the same
            tenant (then only tenant scope counts); None when they are not joined so."""
            if linked(frm, to):
                return scoped(to, seen | {to})
            if not same_tenant(frm, to):
                return None
            r = scoped(to, seen | {to}, by_rls=False)
            if r.level == TENANT:
                return r
            member = self.membership(to.table)
            what = (
                f"its member column {', '.join(sorted(member[1]))}"
                if member is not None
                else f"any column of {to.table}"
            )
            return _R(
                NONE,
                reason=f"it joins {self.ctx.tenant_column(frm.table)} to {to.table}."
                f"{self.tenant_ref(to.table)} but does not bind {what} to the caller ({CALLER_TEXT})",
            )

        best = _R(NONE)
        reason = ""
        for sc in inner:
            through = step(target, sc, frozenset())
            if through is None:
                continue
            reason = reason or through.reason
            if through.level > best.level:
                best = through
            if best.level == TENANT:
                return best
        return _R(best.level, None, reason or best.reason, best.via)

    def _role(self, node: Any) -> bool:
        if isinstance(node, ast.BoolExpr):
            if node.boolop == enums.BoolExprType.AND_EXPR:
                return any(self._role(a) for a in attr(node, "args"))
            if node.boolop == enums.BoolExprType.OR_EXPR:
                return all(self._role(a) for a in attr(node, "args"))
            return False
        if isinstance(node, ast.A_Expr) and op_name(node) == "=":
            left, right = node.lexpr, node.rexpr
            if node.kind == enums.A_Expr_Kind.AEXPR_OP:
                for a, b in ((left, right), (right, left)):
                    if normalise(a) == self.role_claim and self._allowed_consts([b]):
                        return True
            elif node.kind in (enums.A_Expr_Kind.AEXPR_OP_ANY, enums.A_Expr_Kind.AEXPR_IN):
                items = strip(right)
                elems = attr(items, "elements") if isinstance(items, ast.A_ArrayExpr) else items
                if normalise(left) == self.role_claim and isinstance(elems, list | tuple):
                    return self._allowed_consts(list(elems))
        return False

    def _allowed_consts(self, nodes: list[Any]) -> bool:
        if not nodes:
            return False
        for n in nodes:
            n = strip(n)
            if not (isinstance(n, ast.A_Const) and isinstance(n.val, ast.String)):
                return False
            if n.val.sval not in self.allowed_roles:
                return False
        return True
