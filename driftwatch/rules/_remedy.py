"""Concrete SQL for remediations: the tenant predicate of a table, policy statements."""

from __future__ import annotations

import re

from driftwatch import idents
from driftwatch.rules._context import Context
from driftwatch.sqlexpr import quote_ident, quote_qualified

_TEXT_TYPES = (
    "text",
    "character varying",
    "varchar",
    "character",
    "char",
    "name",
    "extensions.citext",
)


def claim_sql(ctx: Context, column_type: str | None) -> str:
    """The configured claim wrapped in ``(select …)`` (evaluated once per statement) and
    cast to the column's type when that is not a text type."""
    wrapped = f"(select {ctx.tenancy.claim})"
    if column_type is None or column_type.split("(")[0] in _TEXT_TYPES:
        return wrapped
    return f"({wrapped})::{column_type}"


def membership_helper(ctx: Context) -> str | None:
    """The helper most policies are proved through, when they use one more than the claim
    (then a fix calls it: ``basejump.has_role_on_account(account_id)``)."""
    an = ctx.analyser
    helper = an.style_helper()
    if helper is None:
        return None
    evidence = an.evidence()
    return helper if evidence[f"helper1:{helper}"] >= evidence["claim"] else None


def predicate(ctx: Context, table: str, alias: str | None = None) -> str | None:
    """An expression that scopes ``table`` to the tenant, or None when there is no way."""
    tenant = ctx.tenant_column(table)
    prefix = f"{quote_ident(alias)}." if alias else ""
    if tenant is not None:
        helper = membership_helper(ctx)
        if helper is not None:
            return f"{quote_qualified(helper)}({prefix}{quote_ident(tenant)})"
        return f"{prefix}{quote_ident(tenant)} = {claim_sql(ctx, ctx.column_type(table, tenant))}"
    path = ctx.scoped_path(table)
    if path is None or len(path) < 2:
        return None
    parent = path[1]
    for link in ctx.foreign_links(table):
        if link.parent == parent and link.not_null:
            p = "p" if alias != "p" else "pp"
            on = " AND ".join(
                f"{p}.{quote_ident(pc)} = {prefix or quote_ident(table.partition('.')[2]) + '.'}{quote_ident(c)}"
                for c, pc in zip(link.columns, link.parent_columns, strict=True)
            )
            inner = predicate(ctx, parent, p)
            if inner is None:
                return None
            return f"EXISTS (SELECT 1 FROM {quote_qualified(parent)} {p} WHERE {on} AND {inner})"
    return None


def tenant_role(ctx: Context) -> str:
    """The role tenant policies are written for: the first configured app role."""
    return ctx.app_roles[0] if ctx.app_roles else "authenticated"


def policy_name(ctx: Context, table: str, cmd: str, role: str) -> str:
    """``<table>_<cmd>``, or with the role appended when the table already has a policy
    of that name (a remediation never proposes a name that exists)."""
    name = idents.split_key(table)[1]
    taken = ctx.tables[table].policies if table in ctx.tables else {}
    for candidate in (f"{name}_{cmd.lower()}", f"{name}_{cmd.lower()}_{role}"):
        if candidate not in taken:
            return candidate
    n = 2
    while f"{name}_{cmd.lower()}_{role}_{n}" in taken:
        n += 1
    return f"{name}_{cmd.lower()}_{role}_{n}"


def tenant_policies(
    ctx: Context, table: str, commands: tuple[str, ...], role: str | None = None
) -> str:
    """CREATE POLICY statements scoping ``commands`` of ``table`` to the tenant, for
    ``role`` (default: ``tenant_role``)."""
    pred = predicate(ctx, table)
    if pred is None:
        return ""
    role = role or tenant_role(ctx)
    qt = quote_qualified(table)
    out = []
    for cmd in commands:
        pol = quote_ident(policy_name(ctx, table, cmd, role))
        if cmd == "INSERT":
            clause = f"WITH CHECK ({pred})"
        elif cmd == "UPDATE":
            clause = f"USING ({pred}) WITH CHECK ({pred})"
        else:
            clause = f"USING ({pred})"
        out.append(f"CREATE POLICY {pol} ON {qt} FOR {cmd} TO {quote_ident(role)} {clause};")
    return "\n".join(out)


def wrap_calls(ctx: Context, text: str) -> str:
    """``text`` with every claim call the analyser finds evaluated per row (``auth.jwt()``,
    ``current_setting(…)``, ...) wrapped in ``(select …)``: what ``policy-initplan`` asks
    for, so a remediation that rewrites a policy never raises it."""
    for call in ctx.analyser.per_row_calls(text):
        text = _wrap(text, call)
    return text


def _wrap(text: str, call: str) -> str:
    out: list[str] = []
    pos = 0
    pattern = re.compile(rf"(?<![\w.\"]){re.escape(call)}\s*\(", re.IGNORECASE)
    for m in pattern.finditer(text):
        if m.start() < pos:
            continue
        if re.search(r"select\s*$", text[: m.start()], re.IGNORECASE):
            continue  # already (select call(…))
        end = _closing(text, m.end() - 1)
        if end is None:
            return text
        out.append(text[pos : m.start()])
        out.append(f"(select {text[m.start() : end + 1]})")
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def _closing(text: str, open_at: int) -> int | None:
    """Index of the parenthesis closing the one at ``open_at`` (quotes respected)."""
    depth = 0
    quote: str | None = None
    for i in range(open_at, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return None
