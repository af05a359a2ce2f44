"""Live isolation probe: impersonate two tenants in rolled-back transactions.

See docs/probe.md. ``run_probe(dsn, snapshot, cfg, options)`` → ``ProbeReport``;
``merge.findings(report, static)`` turns leaks into ``Finding``s; ``render`` prints.
"""

from driftwatch.probe.engine import ProbeOptions, run_probe
from driftwatch.probe.results import Attempt, ProbeReport, TableResult

__all__ = ["Attempt", "ProbeOptions", "ProbeReport", "TableResult", "run_probe"]
