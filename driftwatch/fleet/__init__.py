"""Fleet mode: several ``serve`` replicas share the targets through the PostgreSQL store.

- ``targets``: the target list = configured ``[[targets]]`` + rows of ``fleet.discover_sql``;
  DSNs come from ``dsn`` / ``dsn_env`` / ``dsn_file`` (never from the store;
  ``config.derive.resolve_dsn`` reads them).
- ``lease``: the per-target lease (a row lock held for the run, in the store database).
- ``coordinator``: what ``serve`` calls around each run when ``[fleet] enabled``.
See docs/fleet.md. The lease and coordinator modules (SQLAlchemy's PostgreSQL dialect)
load on first use: a ``serve`` without ``[fleet]`` never needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftwatch import lazy
from driftwatch.fleet.targets import discover, expand_targets

if TYPE_CHECKING:
    from driftwatch.fleet.coordinator import Coordinator, coordinator_for
    from driftwatch.fleet.lease import Lease, LeaseManager

__all__ = [
    "Coordinator",
    "Lease",
    "LeaseManager",
    "coordinator_for",
    "discover",
    "expand_targets",
]

__getattr__ = lazy.attributes(
    __name__,
    {
        "Coordinator": "driftwatch.fleet.coordinator",
        "coordinator_for": "driftwatch.fleet.coordinator",
        "Lease": "driftwatch.fleet.lease",
        "LeaseManager": "driftwatch.fleet.lease",
    },
)
