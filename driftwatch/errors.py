"""One exception hierarchy for driftwatch; each error knows its CLI exit code.

Library errors (psycopg, OSError, orjson, jsonschema, tomllib) are translated into these
at the boundary where they happen, so callers and the CLI only ever see ``DriftwatchError``.
Messages are single lines and never contain a DSN password.
"""

from __future__ import annotations


class DriftwatchError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # One line, always: newlines in server messages or paths would break log lines.
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class UsageError(DriftwatchError):
    """Bad command-line arguments."""


class ConfigError(DriftwatchError):
    """Config file missing, malformed, unknown key, bad value, unset ${ENV}."""


class InputError(DriftwatchError):
    """A file given as input cannot be used (missing, unreadable, not what it should be)."""


class SnapshotFormatError(InputError):
    """A snapshot file is corrupt, truncated, of another format or a future version."""


class OutputError(DriftwatchError):
    """An output file or directory cannot be written."""


class TargetUnreachable(DriftwatchError):
    """The target database cannot be reached, refused the login or timed out."""

    exit_code = 3


class IntrospectionError(DriftwatchError):
    """A catalog query failed on a reachable server (timeout, permission, lock)."""

    exit_code = 3


class StoreError(DriftwatchError):
    """The history store cannot be read or written."""
