"""Concrete SQL for remediations: the tenant predicate of a table, policy statements."""

from __future__ import annotations

from driftwatch import idents
from driftwatch.rules._context import Context
from driftwatch.rules._sql import quote_ident, quote_qualified

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


def predicate(ctx: Context, table: str, alias: str | None = None) -> str | None:
    """An expression that scopes ``table`` to the tenant, or None when there is no way."""
    tenant = ctx.tenant_column(table)
    prefix = f"{quote_ident(alias)}." if alias else ""
    if tenant is not None:
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


def tenant_policies(ctx: Context, table: str, commands: tuple[str, ...]) -> str:
    """CREATE POLICY statements scoping ``commands`` of ``table`` for the first app role."""
    pred = predicate(ctx, table)
    if pred is None:
        return ""
    role = ctx.app_roles[0] if ctx.app_roles else "authenticated"
    qt = quote_qualified(table)
    name = idents.split_key(table)[1]
    out = []
    for cmd in commands:
        pol = quote_ident(f"{name}_{cmd.lower()}")
        if cmd == "INSERT":
            clause = f"WITH CHECK ({pred})"
        elif cmd == "UPDATE":
            clause = f"USING ({pred}) WITH CHECK ({pred})"
        else:
            clause = f"USING ({pred})"
        out.append(f"CREATE POLICY {pol} ON {qt} FOR {cmd} TO {quote_ident(role)} {clause};")
    return "\n".join(out)
