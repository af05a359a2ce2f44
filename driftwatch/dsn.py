"""DSN handling: resolution from flags/environment, and redaction for anything printed."""

from __future__ import annotations

import os
import re

import psycopg.conninfo

from driftwatch.errors import UsageError

DSN_ENV_VARS = ("DRIFTWATCH_DSN", "DOCS_DB_URL")

_URL_PASSWORD = re.compile(
    r"(?P<head>[a-z][a-z0-9+.-]*://[^/@:\s]*:)(?P<pw>[^@\s]*)(?P<at>@)", re.I
)
_KW_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|[^\s&]*)", re.I)


def resolve_dsn(explicit: str | None) -> str | None:
    """``--dsn`` wins, then ``DRIFTWATCH_DSN``, then the seed's ``DOCS_DB_URL``."""
    if explicit:
        return explicit
    for var in DSN_ENV_VARS:
        value = os.environ.get(var)
        if value:
            return value
    return None


def redact(text: str) -> str:
    """Replace every password in URLs or ``password=`` keywords inside ``text`` with ``***``."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['at']}", text)
    return _KW_PASSWORD.sub(lambda m: f"{m['head']}***", text)


def parse(dsn: str) -> dict[str, str]:
    """Parse a URL or keyword DSN into libpq parameters (raises UsageError, password-free)."""
    try:
        return {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(dsn).items()}
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"invalid DSN {redact(dsn)!r}: {redact(str(exc))}") from None


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
    return psycopg.conninfo.make_conninfo(**params)
