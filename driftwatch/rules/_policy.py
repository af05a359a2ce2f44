"""Policy analysis on the PostgreSQL parse tree (pglast), not on strings.

A policy expression *scopes* a table when every path through its boolean structure
requires the table's tenant column to equal the configured claim:

* ``AND``: scoped when any operand is scoped; ``OR``: when every operand is; ``NOT``: never.
* ``col = claim`` either way round; casts, parentheses and a ``(SELECT …)`` wrapper around
  the claim do not matter (both sides are normalised); ``col = ANY (ARRAY[claim])`` and
  ``col IN (claim)`` with the single claim count too.
* a configured trusted helper called with the tenant column (``private.is_org_member(organization_id)``),
  or a zero-argument trusted helper compared with it, counts as the claim.
* ``EXISTS (SELECT 1 FROM parent p WHERE p.key = child.fk AND <scoped for p>)`` and
  ``child.fk IN (SELECT p.key FROM parent p WHERE <scoped for p>)`` scope the child when
  ``child.fk → parent(key)`` is a foreign key; ``<scoped for p>`` recurses (grandchild →
  child → parent), and may be left out when the parent's own SELECT policies are scoped
  (the subquery runs under the parent's RLS).
* ``false`` admits nothing and is scoped; ``true``, ``IS NOT NULL``, comparisons of other
  columns and anything else are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast, enums

from driftwatch import idents, model
from driftwatch.errors import ConfigError
from driftwatch.rules._context import COMMANDS, Context, policy_applies
from driftwatch.rules._sql import (
    SqlSyntaxError,
    attr,
    children,
    column_fields,
    deparse,
    func_name,
    normalise,
    op_name,
    parse_expr,
    strip,
    walk,
)

PER_ROW_FUNCTIONS = frozenset(
    {"auth.jwt", "auth.uid", "auth.role", "auth.email", "current_setting"}
)


@dataclass(frozen=True, slots=True)
class Scope:
    alias: str
    table: str  # qualified key


@dataclass(frozen=True, slots=True)
class Verdict:
    scoped: bool
    culprit: str = ""  # deparsed sub-expression that leaves a path unscoped


@dataclass(frozen=True, slots=True)
class _Trusted:
    name: str
    args: tuple[Any, ...] | None  # normalised patterns; "TENANT" stands for the tenant column


_FUNC_NAME = re.compile(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?")
_TENANT: tuple[Any, ...] = ("tenant-column",)
_TRUE = Verdict(True)


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


class Analyser:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        tenancy = ctx.tenancy
        self.claim = normalise(_parse_setting(tenancy.claim, "tenancy.claim"))
        self.claim_functions = frozenset(
            func_name(n)
            for n in walk(_parse_setting(tenancy.claim, "tenancy.claim"))
            if isinstance(n, ast.FuncCall)
        )
        self.trusted: list[_Trusted] = []
        for i, text in enumerate(tenancy.trusted_functions):
            where = f"tenancy.trusted_functions[{i}]"
            if "(" not in text:
                if not _FUNC_NAME.fullmatch(text.strip()):
                    raise ConfigError(f"{where}: expected a function name or call, got {text!r}")
                self.trusted.append(_Trusted(text.strip(), None))
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
            self.trusted.append(_Trusted(func_name(node), args))
        drc = tenancy.delete_role_check
        self.role_claim = normalise(_parse_setting(drc.claim, "tenancy.delete_role_check.claim"))
        self.allowed_roles = frozenset(drc.roles)
        self._memo: dict[tuple[Any, ...], Verdict] = {}
        self._parent_memo: dict[str, bool] = {}
        self._text_memo: dict[tuple[str, str], Any] = {}  # per-text facts; texts repeat a lot

    def _by_text(self, kind: str, text: str, compute: Any) -> Any:
        key = (kind, text)
        if key not in self._text_memo:
            self._text_memo[key] = compute(text)
        return self._text_memo[key]

    # ------------------------------------------------------------------ public

    def verdict(self, table: str, text: str | None) -> Verdict:
        """Is ``text`` (a USING / WITH CHECK expression of ``table``) tenant-scoped?"""
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
                culprit = self._check(node, target, (target,))
                hit = _TRUE if culprit is None else Verdict(False, deparse(culprit))
            self._memo[key] = hit
        return hit

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

    def unscoped(self, table: str, name: str, policy: model.Policy) -> list[tuple[str, Verdict]]:
        """Clauses of a permissive ``policy`` that leave some app role and command unscoped
        (a scoped RESTRICTIVE policy for the same role and command rescues them)."""
        out: list[tuple[str, Verdict]] = []
        roles = self.ctx.app_roles_of(policy)
        if not roles:
            return out
        for clause, text in self.clauses(policy):
            v = self.verdict(table, text)
            if v.scoped:
                continue
            commands = [c for c in COMMANDS if policy.command in ("ALL", c)]
            if clause == "USING":
                commands = [c for c in commands if c != "INSERT"]
            else:
                commands = [c for c in commands if c in ("INSERT", "UPDATE")]
            if all(self._restricted(table, c, r, clause) for c in commands for r in roles):
                continue
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
            if text is not None and self.verdict(table, text).scoped:
                return True
        return False

    def _resolve(self, node: ast.ColumnRef, scopes: tuple[Scope, ...]) -> tuple[Scope, str] | None:
        fields = column_fields(node)
        if not fields:
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

    def _is_claim(self, node: Any) -> bool:
        if normalise(node) == self.claim:
            return True
        node = strip(node)
        if isinstance(node, ast.FuncCall) and not attr(node, "args"):
            name = func_name(node)
            return any(t.name == name and t.args == () for t in self.trusted)
        return False

    def _is_tenant(self, node: Any, target: Scope, scopes: tuple[Scope, ...]) -> bool:
        node = strip(node)
        if not isinstance(node, ast.ColumnRef):
            return False
        res = self._resolve(node, scopes)
        return (
            res is not None and res[0] == target and res[1] == self.ctx.tenant_column(target.table)
        )

    def _check(self, node: Any, target: Scope, scopes: tuple[Scope, ...]) -> Any:
        """None when ``node`` scopes ``target``; else the sub-expression to blame."""
        if isinstance(node, ast.BoolExpr):
            if node.boolop == enums.BoolExprType.AND_EXPR:
                return (
                    None
                    if any(self._check(a, target, scopes) is None for a in attr(node, "args"))
                    else node
                )
            if node.boolop == enums.BoolExprType.OR_EXPR:
                for a in attr(node, "args"):
                    bad = self._check(a, target, scopes)
                    if bad is not None:
                        return bad
                return None
            return node
        if (
            isinstance(node, ast.A_Const)
            and isinstance(node.val, ast.Boolean)
            and not node.val.boolval
        ):
            return None  # false admits nothing
        if isinstance(node, ast.A_Expr) and op_name(node) == "=":
            left, right = node.lexpr, node.rexpr
            if node.kind == enums.A_Expr_Kind.AEXPR_OP:
                if (self._is_tenant(left, target, scopes) and self._is_claim(right)) or (
                    self._is_tenant(right, target, scopes) and self._is_claim(left)
                ):
                    return None
            elif node.kind in (enums.A_Expr_Kind.AEXPR_OP_ANY, enums.A_Expr_Kind.AEXPR_IN):
                items = strip(right)
                elems = attr(items, "elements") if isinstance(items, ast.A_ArrayExpr) else items
                if (
                    isinstance(elems, list | tuple)
                    and len(elems) == 1
                    and self._is_tenant(left, target, scopes)
                    and self._is_claim(elems[0])
                ):
                    return None
            return node
        if isinstance(node, ast.FuncCall) and self._trusted_call(node, target, scopes):
            return None
        if isinstance(node, ast.SubLink):
            if node.subLinkType == enums.SubLinkType.EXISTS_SUBLINK and self._exists_scoped(
                node.subselect, target, scopes, None
            ):
                return None
            if node.subLinkType == enums.SubLinkType.ANY_SUBLINK and self._exists_scoped(
                node.subselect, target, scopes, attr(node, "testexpr")
            ):
                return None
            return node
        return node

    def _trusted_call(self, node: ast.FuncCall, target: Scope, scopes: tuple[Scope, ...]) -> bool:
        name = func_name(node)
        args = tuple(attr(node, "args") or ())
        for t in self.trusted:
            if t.name != name:
                continue
            if t.args is None:
                if any(self._is_tenant(a, target, scopes) for a in args):
                    return True
            elif (
                t.args
                and len(t.args) == len(args)
                and all(
                    self._is_tenant(a, target, scopes) if p == _TENANT else normalise(a) == p
                    for p, a in zip(t.args, args, strict=True)
                )
            ):
                return True
        return False

    def _from_scopes(self, items: Any, quals: list[Any]) -> Iterator[Scope]:
        for item in items or ():
            if isinstance(item, ast.RangeVar):
                key = self._table_key(item)
                if key is not None:
                    alias = item.alias.aliasname if attr(item, "alias") else item.relname
                    yield Scope(alias, key)
            elif isinstance(item, ast.JoinExpr):
                if attr(item, "quals") is not None:
                    quals.extend(_conjuncts(attr(item, "quals")))
                yield from self._from_scopes((item.larg, item.rarg), quals)

    def _table_key(self, rv: ast.RangeVar) -> str | None:
        if attr(rv, "schemaname"):
            return idents.qualify(rv.schemaname, rv.relname)
        for schema in ("public", *sorted({idents.split_key(k)[0] for k in self.ctx.tables})):
            if idents.qualify(schema, rv.relname) in self.ctx.tables:
                return idents.qualify(schema, rv.relname)
        return None

    def _exists_scoped(
        self, sel: Any, target: Scope, scopes: tuple[Scope, ...], testexpr: Any
    ) -> bool:
        if not isinstance(sel, ast.SelectStmt) or sel.op != enums.SetOperation.SETOP_NONE:
            return False
        quals: list[Any] = []
        inner = tuple(self._from_scopes(attr(sel, "fromClause"), quals))
        if not inner:
            return False
        all_scopes = scopes + inner
        where = attr(sel, "whereClause")
        conj = quals + (_conjuncts(where) if where is not None else [])
        # equalities between columns of two scopes: (from, to) → {from column: to column}
        pairs: dict[tuple[Scope, Scope], dict[str, str]] = {}
        candidates = [
            c
            for c in conj
            if isinstance(c, ast.A_Expr)
            and c.kind == enums.A_Expr_Kind.AEXPR_OP
            and op_name(c) == "="
        ]
        sides: list[tuple[Any, Any]] = [(strip(c.lexpr), strip(c.rexpr)) for c in candidates]
        if testexpr is not None:
            targets: list[Any] = list(attr(sel, "targetList") or [])
            if len(targets) != 1:
                return False
            sides.append((strip(testexpr), strip(targets[0].val)))
        for a, b in sides:
            if not (isinstance(a, ast.ColumnRef) and isinstance(b, ast.ColumnRef)):
                continue
            ra, rb = self._resolve(a, all_scopes), self._resolve(b, all_scopes)
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

        def scoped(sc: Scope, seen: frozenset[Scope]) -> bool:
            if any(self._check(c, sc, all_scopes) is None for c in conj):
                return True
            if self.ctx.exemption(sc.table) is None and self.parent_scoped(sc.table):
                return True
            return any(
                nxt not in seen and linked(sc, nxt) and scoped(nxt, seen | {nxt}) for nxt in inner
            )

        return any(linked(target, sc) and scoped(sc, frozenset({sc})) for sc in inner)

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
