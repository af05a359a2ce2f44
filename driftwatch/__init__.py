"""driftwatch: schema drift and tenant-isolation watch for multi-tenant PostgreSQL.

The public API (``driftwatch.take``, ``read``, ``write``, ``compare``, ``audit``,
``render_docs``, ``load_config``, their result types and the errors) lives in
``driftwatch.api`` and is loaded on first attribute access (PEP 562), so that importing
one module (``driftwatch.errors``, the CLI's command) does not import the whole stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftwatch import lazy

# The one place the version is written (pyproject.toml reads it); a literal rather than
# importlib.metadata, which costs 20 ms at every start of the CLI.
__version__ = "0.1.0"

if TYPE_CHECKING:  # what the type checker sees; at run time, __getattr__ loads these
    from driftwatch.api import (
        AuditResult,
        Change,
        Config,
        ConfigError,
        DiffOptions,
        DiffResult,
        DriftwatchError,
        Finding,
        InputError,
        IntrospectionError,
        OutputError,
        RenderResult,
        Scope,
        Snapshot,
        SnapshotFormatError,
        SnapshotOptions,
        StoreError,
        TargetUnreachable,
        UsageError,
        audit,
        compare,
        load_config,
        read,
        render_docs,
        take,
        write,
    )

__all__ = [
    "AuditResult",
    "Change",
    "Config",
    "ConfigError",
    "DiffOptions",
    "DiffResult",
    "DriftwatchError",
    "Finding",
    "InputError",
    "IntrospectionError",
    "OutputError",
    "RenderResult",
    "Scope",
    "Snapshot",
    "SnapshotFormatError",
    "SnapshotOptions",
    "StoreError",
    "TargetUnreachable",
    "UsageError",
    "__version__",
    "audit",
    "compare",
    "load_config",
    "read",
    "render_docs",
    "take",
    "write",
]


__getattr__ = lazy.attributes(
    __name__, {n: "driftwatch.api" for n in __all__ if n != "__version__"}
)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
