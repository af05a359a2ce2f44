"""The JWT claims of an impersonated tenant, built the way Supabase sets them.

PostgREST runs every request with ``SET LOCAL ROLE <role>`` and
``set_config('request.jwt.claims', '<json>', true)``; ``auth.jwt()`` reads that setting.
The tenant id goes at the claim path derived from ``[tenancy] claim``
(``auth.jwt() -> 'app_metadata' ->> 'organization_id'`` → ``app_metadata.organization_id``,
``auth.uid()`` → ``sub``), or at ``[probe] claim_path``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pglast import ast

from driftwatch.errors import ConfigError
from driftwatch.sqlexpr import SqlSyntaxError, const_value, func_name, parse_expr

_JSON_OPS = ("->", "->>")


def _path(node: Any) -> list[str] | None:
    if isinstance(node, ast.TypeCast):
        return _path(node.arg)
    if isinstance(node, ast.SubLink) and isinstance(node.subselect, ast.SelectStmt):
        targets = list(node.subselect.targetList or [])
        return _path(targets[0].val) if len(targets) == 1 else None
    if isinstance(node, ast.FuncCall):
        name = func_name(node)
        if name == "auth.jwt":
            return []
        if name == "auth.uid":
            return ["sub"]
        if name.rpartition(".")[2] == "current_setting" and node.args:
            setting = const_value(node.args[0])
            if setting == "request.jwt.claims":
                return []
            if isinstance(setting, str) and setting.startswith("request.jwt.claim."):
                return [setting.removeprefix("request.jwt.claim.")]
        if name.rpartition(".")[2] == "nullif" and node.args:
            return _path(node.args[0])
        return None
    if isinstance(node, ast.A_Expr) and node.name and len(node.name) == 1:
        op = str(node.name[0].sval)
        if op in _JSON_OPS:
            base = _path(node.lexpr)
            key = const_value(node.rexpr)
            if base is None or not isinstance(key, str):
                return None
            return [*base, key]
    return None


def claim_path(claim_sql: str, override: str | None = None) -> tuple[str, ...]:
    """Where the tenant id sits in the JWT claims, as a key path."""
    if override:
        parts = tuple(p for p in override.split(".") if p)
        if not parts:
            raise ConfigError("probe.claim_path: empty claim path")
        return parts
    try:
        path = _path(parse_expr(claim_sql))
    except SqlSyntaxError:
        path = None
    if not path:
        raise ConfigError(
            f"tenancy.claim {claim_sql!r}: cannot derive the JWT claim path from it;"
            " set [probe] claim_path (e.g. 'app_metadata.organization_id')"
        )
    return tuple(path)


def extra_claims(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"probe.claims: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError("probe.claims: must be a JSON object")
    return data


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _nested(path: tuple[str, ...], value: str) -> dict[str, Any]:
    data: dict[str, Any] = {path[-1]: value}
    for key in reversed(path[:-1]):
        data = {key: data}
    return data


def build_claims(
    path: tuple[str, ...],
    tenant: str,
    victim: str,
    role: str,
    sub: uuid.UUID,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Claims of ``tenant`` acting as ``role``.

    The attacker also controls ``user_metadata`` (``supabase.auth.updateUser``), so when
    the tenant claim lives under ``app_metadata`` the same key under ``user_metadata``
    carries the *victim's* id: a policy that reads the user-editable copy is exposed.
    """
    claims: dict[str, Any] = {"sub": str(sub), "role": role, "aud": "authenticated"}
    claims = _merge(claims, extra)
    claims = _merge(claims, _nested(path, tenant))
    if path[0] == "app_metadata" and len(path) > 1:
        claims = _merge(claims, {"user_metadata": _nested(path[1:], victim)})
    return claims
