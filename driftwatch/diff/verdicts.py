"""What a policy change does to access: *loosened*, *tightened*, *equivalent* or *changed*.

Each side of a policy change is read with the policy analyser (``rules._policy``) on its
own snapshot, and the two policies are compared dimension by dimension:

* roles: a role added (or ``public``) loosens, a role dropped tightens;
* commands: a command the policy now covers loosens, one it no longer covers tightens;
* mode: restrictive → permissive loosens, permissive → restrictive tightens;
* each clause PostgreSQL evaluates (``USING``, effective ``WITH CHECK``): tenant-scoped →
  not scoped loosens, the reverse tightens; an expression that keeps every ``AND`` operand
  of the old one and adds more tightens (dropping some loosens; ``OR`` the other way);
  ``true`` → anything tightens, anything → ``true`` loosens. Expressions equal after
  spelling is normalised (the ``(select …)`` wrapper of a claim, operand order of ``=``
  and of ``AND``/``OR``, ``a > b`` vs ``b < a``) are the same.

Anything loosened makes the change *loosened*; otherwise a dimension the rules cannot
order makes it *changed*; otherwise any tightening makes it *tightened*; when nothing
differs in meaning it is *equivalent*. Added/removed policies: a permissive one added
loosens, a restrictive one added tightens; dropping a permissive one tightens, dropping a
restrictive one loosens. Severity follows: loosened/changed → ``security``; tightened →
``info`` (``breaking`` for a dropped permissive policy: what it admitted is refused);
equivalent → ``info``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, Final, Generic, TypeVar

from pglast import ast, enums

from driftwatch import config as configmod
from driftwatch import idents, model
from driftwatch.diff.changes import (
    ADDED,
    BREAKING,
    INFO,
    MODIFIED,
    REMOVED,
    SECURITY,
    Change,
    PolicyVerdict,
    Severity,
)
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import (
    SqlSyntaxError,
    attr,
    children,
    column_fields,
    const_text,
    op_name,
    parse_expr,
    scalar_select_value,
)

LOOSENED: Final = "loosened"
TIGHTENED: Final = "tightened"
EQUIVALENT: Final = "equivalent"
CHANGED: Final = "changed"

_SEVERITY: dict[PolicyVerdict, Severity] = {
    LOOSENED: SECURITY,
    CHANGED: SECURITY,
    TIGHTENED: INFO,
    EQUIVALENT: INFO,
}
_ALL = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
_COMMUTATIVE = frozenset({"=", "<>", "!=", "+", "*", "&&"})

T = TypeVar("T")


class _Lazy(Mapping[str, T], Generic[T]):
    """A read-only mapping that decodes an object from its JSON data on first access, so a
    diff of two 10,000-table snapshots decodes only the tables its policies touch."""

    def __init__(self, cls: type[T], data: Mapping[str, Any]) -> None:
        self._cls = cls
        self._data = data
        self._done: dict[str, T] = {}

    def __getitem__(self, key: str) -> T:
        hit = self._done.get(key)
        if hit is None:
            hit = self._done[key] = model.from_data(self._cls, self._data[key])
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


_META = model.Meta(taken_at="", target=None, database="", server_version="", driftwatch_version="")


class _Side:
    """The analyser of one side of the diff, over that side's tables."""

    def __init__(self, data: Mapping[str, Any], cfg: configmod.Config) -> None:
        tables: Mapping[str, model.Table] = _Lazy(model.Table, data.get("tables") or {})
        snap = model.Snapshot(_META, objects=model.Objects(tables=tables))
        self.ctx = Context(snap, cfg)

    def policy(self, table: str, name: str) -> model.Policy | None:
        t = self.ctx.tables.get(table)
        return None if t is None else t.policies.get(name)


# --------------------------------------------------------------------------- spelling


def canon(node: Any) -> Any:
    """A hashable form of an expression that spelling does not change (see module doc)."""
    while isinstance(node, ast.SubLink) and node.subLinkType == enums.SubLinkType.EXPR_SUBLINK:
        inner = scalar_select_value(node.subselect)
        if inner is None:
            break
        node = inner
    if isinstance(node, ast.BoolExpr):
        op = int(node.boolop)
        if node.boolop == enums.BoolExprType.NOT_EXPR:
            return ("not", tuple(canon(a) for a in attr(node, "args")))
        return ("bool", op, tuple(sorted(set(_flat(node, op)), key=repr)))
    if isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_OP:
        name = op_name(node)
        left, right = canon(node.lexpr), canon(node.rexpr)
        if name in _FLIP and repr(left) > repr(right):
            name, left, right = _FLIP[name], right, left
        elif name in _COMMUTATIVE and repr(left) > repr(right):
            left, right = right, left
        return ("op", name, left, right)
    if isinstance(node, ast.TypeCast):
        names = [str(s.sval) for s in node.typeName.names if isinstance(s, ast.String)]
        if len(names) == 2 and names[0] == "pg_catalog":
            names = names[1:]
        return ("cast", canon(node.arg), tuple(names), repr(attr(node.typeName, "arrayBounds")))
    if isinstance(node, ast.ColumnRef):
        return ("col", column_fields(node))
    if isinstance(node, ast.A_Const):
        return ("null",) if node.isnull else ("const", *const_text(node))
    if isinstance(node, ast.Node):
        fields = tuple(
            (name, _scalar(getattr(node, name, None)))
            for name in type(node).__slots__
            if name != "location"
            and not isinstance(getattr(node, name, None), ast.Node | list | tuple)
        )
        return (type(node).__name__, fields, tuple(canon(c) for c in children(node)))
    return ("value", repr(node))


def _scalar(value: Any) -> Any:
    return int(value) if isinstance(value, int) else repr(value)


def _flat(node: Any, op: int) -> Iterator[Any]:
    for a in attr(node, "args"):
        if isinstance(a, ast.BoolExpr) and int(a.boolop) == op:
            yield from _flat(a, op)
        else:
            yield canon(a)


def _parts(form: Any, boolop: int) -> frozenset[Any]:
    """The operands of a top-level AND (or OR) of a canonical form; the form itself else."""
    if isinstance(form, tuple) and form[:2] == ("bool", boolop):
        return frozenset(form[2])
    return frozenset({form})


_TRUE = ("const", "Boolean", "True")
_FALSE = ("const", "Boolean", "False")


def _order(old: Any, new: Any) -> PolicyVerdict | None:
    """LOOSENED / TIGHTENED / EQUIVALENT for two canonical expressions, None if unknown."""
    if old == new:
        return EQUIVALENT
    if old == _TRUE or new == _FALSE:
        return TIGHTENED
    if new == _TRUE or old == _FALSE:
        return LOOSENED
    and_op, or_op = int(enums.BoolExprType.AND_EXPR), int(enums.BoolExprType.OR_EXPR)
    a_old, a_new = _parts(old, and_op), _parts(new, and_op)
    if a_old < a_new:
        return TIGHTENED
    if a_new < a_old:
        return LOOSENED
    o_old, o_new = _parts(old, or_op), _parts(new, or_op)
    if o_old < o_new:
        return LOOSENED
    if o_new < o_old:
        return TIGHTENED
    return None


def _form(text: str | None) -> Any:
    if text is None:
        return _TRUE  # no expression admits every row
    try:
        return canon(parse_expr(text))
    except SqlSyntaxError:
        return ("unparsed", text)


# --------------------------------------------------------------------------- verdicts


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    verdict: PolicyVerdict
    why: tuple[str, ...]


def _commands(p: model.Policy) -> frozenset[str]:
    return _ALL if p.command == "ALL" else frozenset({p.command})


def compare_policies(
    old_side: _Side,
    table_old: str,
    old: model.Policy,
    new_side: _Side,
    table_new: str,
    new: model.Policy,
) -> Verdict:
    """The verdict of a modified policy (see module doc)."""
    steps: list[tuple[PolicyVerdict, str]] = []
    roles_old, roles_new = set(old.roles), set(new.roles)
    if "public" in roles_new and "public" not in roles_old:
        steps.append((LOOSENED, "now applies to every role (public)"))
    elif roles_new - roles_old:
        steps.append((LOOSENED, f"role(s) added: {', '.join(sorted(roles_new - roles_old))}"))
    if roles_old - roles_new and "public" not in roles_new:
        steps.append((TIGHTENED, f"role(s) removed: {', '.join(sorted(roles_old - roles_new))}"))
    c_old, c_new = _commands(old), _commands(new)
    if c_new - c_old:
        steps.append((LOOSENED, f"now covers {', '.join(sorted(c_new - c_old))}"))
    if c_old - c_new:
        steps.append((TIGHTENED, f"no longer covers {', '.join(sorted(c_old - c_new))}"))
    if old.permissive != new.permissive:
        steps.append(
            (LOOSENED, "restrictive → permissive")
            if new.permissive
            else (TIGHTENED, "permissive → restrictive")
        )
    clauses_old = dict(old_side.ctx.analyser.clauses(old))
    clauses_new = dict(new_side.ctx.analyser.clauses(new))
    for clause in ("USING", "WITH CHECK"):
        if clause not in clauses_old or clause not in clauses_new:
            continue
        t_old, t_new = clauses_old[clause], clauses_new[clause]
        order = _order(_form(t_old), _form(t_new))
        if order == EQUIVALENT:
            continue
        v_old = old_side.ctx.analyser.verdict(table_old, t_old)
        v_new = new_side.ctx.analyser.verdict(table_new, t_new)
        if v_old.scoped and not v_new.scoped:
            steps.append((LOOSENED, f"{clause} no longer tenant-scoped: admits `{v_new.culprit}`"))
        elif v_new.scoped and not v_old.scoped and order != LOOSENED:
            steps.append((TIGHTENED, f"{clause} now tenant-scoped"))
        elif order is not None:
            what = "narrower" if order == TIGHTENED else "wider"
            if _form(t_new) == _TRUE:
                what = "now admits every row"
            steps.append((order, f"{clause} {what}"))
        else:
            steps.append((CHANGED, f"{clause} rewritten (cannot tell wider or narrower)"))
    for verdict in (LOOSENED, CHANGED, TIGHTENED):
        why = tuple(w for v, w in steps if v == verdict)
        if why:
            return Verdict(verdict, why)
    if dataclasses.replace(old, comment=new.comment) == new:
        return Verdict(EQUIVALENT, ("only the comment changed",))
    return Verdict(EQUIVALENT, ("same meaning, different spelling",))


def classify(
    changes: list[Change],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    table_renames: Mapping[str, str],
    cfg: configmod.Config | None,
) -> list[Change]:
    """``changes`` with a verdict (and the severity it implies) on every policy change."""
    if not any(ch.kind == "policy" and ch.change != "renamed" for ch in changes):
        return changes
    cfg = cfg or configmod.Config()
    old_side, new_side = _Side(old, cfg), _Side(new, cfg)
    back = {now: was for was, now in table_renames.items()}
    out = []
    for ch in changes:
        if ch.kind != "policy" or ch.change not in (ADDED, REMOVED, MODIFIED) or not ch.group:
            out.append(ch)
            continue
        name = ch.object[len(ch.group) + 1 :]
        table_new, table_old = ch.group, back.get(ch.group, ch.group)
        if name.startswith('"'):  # a member name quoted in the change's object
            name = idents.split(name)[0]
        o = old_side.policy(table_old, name)
        n = new_side.policy(table_new, name)
        if ch.change == ADDED and n is not None:
            v = (
                Verdict(LOOSENED, ("permissive policy added",))
                if n.permissive
                else Verdict(TIGHTENED, ("restrictive policy added",))
            )
            severity: Severity = _SEVERITY[v.verdict]
        elif ch.change == REMOVED and o is not None:
            v = (
                Verdict(TIGHTENED, ("permissive policy dropped: what it admitted is refused",))
                if o.permissive
                else Verdict(LOOSENED, ("restrictive policy dropped",))
            )
            severity = BREAKING if o.permissive else SECURITY
        elif ch.change == MODIFIED and o is not None and n is not None:
            v = compare_policies(old_side, table_old, o, new_side, table_new, n)
            severity = _SEVERITY[v.verdict]
        else:  # pragma: no cover - a policy change always has its policies
            out.append(ch)
            continue
        out.append(dataclasses.replace(ch, severity=severity, verdict=v.verdict, why=v.why))
    return out
