"""DSN handling: parsing and checking a DSN, and redaction for anything printed.

Which DSN a command or target uses is ``config.derive.resolve_dsn``. psycopg is imported
where a DSN is parsed, not at import: commands that read only files (``diff a.json b.json``)
then never load it.
"""

from __future__ import annotations

import os
import re

from driftwatch.errors import UsageError

_URL_PASSWORD = re.compile(
    r"(?P<head>[a-z][a-z0-9+.-]*://[^/@:\s]*:)(?P<pw>[^@\s]*)(?P<at>@)", re.I
)
_KW_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|[^\s&]*)", re.I)


def redact(text: str) -> str:
    """Replace every password in URLs or ``password=`` keywords inside ``text`` with ``***``."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['at']}", text)
    return _KW_PASSWORD.sub(lambda m: f"{m['head']}***", text)


_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://")
_QUOTED = re.compile(r'"([^"]*)"')
_NAMES_OPTION = ("invalid connection option", "invalid URI query parameter")
_CHOICES = {
    "sslmode": ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
    "gssencmode": ("disable", "prefer", "require"),
    "channel_binding": ("disable", "prefer", "require"),
    "target_session_attrs": (
        "any", "read-write", "read-only", "primary", "standby", "prefer-standby",
    ),
    "load_balance_hosts": ("disable", "random"),
}  # fmt: skip
_INTEGERS = frozenset(
    {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval"}
    | {"keepalives_count", "tcp_user_timeout"}
)


def _libpq_reason(exc: Exception) -> str:
    """libpq's parse error without what it quotes from the DSN (which may be the password:
    'invalid percent-encoded token: "pa%ss"'), except an option's name."""
    text = " ".join(str(exc).split())
    keep = text.startswith(_NAMES_OPTION)
    return _QUOTED.sub(
        lambda m: m[0] if keep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", m[1]) else "…", text
    )


def parse(dsn: str) -> dict[str, str]:
    """Parse a URL or keyword DSN into libpq parameters (raises UsageError, password-free)."""
    scheme = _SCHEME.match(dsn)
    if scheme and scheme[1].lower() not in ("postgresql", "postgres"):
        raise UsageError(
            f"invalid DSN: scheme {scheme[1]!r} is not postgresql:// or postgres:// "
            "(SQLAlchemy URLs such as postgresql+psycopg:// are for store_url only)"
        )
    import psycopg.conninfo

    try:
        return {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(dsn).items()}
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"invalid DSN: {redact(_libpq_reason(exc))}") from None


def validate(dsn: str) -> None:
    """Refuse, before connecting, what libpq would only refuse at connection time (and what
    would then read as "unreachable", exit 3): bad ports, integers and choices, and
    ``${...}`` left unexpanded. A UsageError (exit 2) that never carries the password."""
    params = parse(dsn)
    for key, value in params.items():
        if key != "password" and "${" in value:
            raise UsageError(
                f"invalid DSN: {key} contains an unexpanded '${{' (an environment reference left as text?)"
            )
    for port in params.get("port", "").split(","):
        if port.strip() and not (port.strip().isdigit() and 1 <= int(port) <= 65535):
            raise UsageError(f"invalid DSN: port {port.strip()!r} is not a number from 1 to 65535")
    for key in sorted(_INTEGERS):
        value = params.get(key, "").strip()
        if value and not value.lstrip("-").isdigit():
            raise UsageError(f"invalid DSN: {key} {value!r} is not an integer")
    for key, choices in _CHOICES.items():
        if key in params and params[key] not in choices:
            raise UsageError(
                f"invalid DSN: {key} {params[key]!r} is not one of {', '.join(choices)}"
            )


def describe(dsn: str) -> str:
    """A human name for the DSN that never carries a password: ``user@host:port/dbname``."""
    try:
        params = parse(dsn)
    except UsageError:
        return "<invalid DSN>"
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    db = params.get("dbname") or os.environ.get("PGDATABASE") or params.get("user") or ""
    user = params.get("user") or os.environ.get("PGUSER") or ""
    prefix = f"{user}@" if user else ""
    return f"{prefix}{host}:{port}/{db}"


def with_password_removed(dsn: str) -> str:
    """The DSN rebuilt without its password (for storing or showing)."""
    params = parse(dsn)
    params.pop("password", None)
    import psycopg.conninfo

    return psycopg.conninfo.make_conninfo(**params)
