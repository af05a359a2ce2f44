"""The stages of one target's tick: snapshot, baseline drift, audit, docs, store and diff.

Every stage returns a ``StageResult``: ``Ok`` with its value or ``Failed`` with the reason,
both naming the stage and timing it. A stage never raises, so one failing stage leaves the
others running and its previous result in place. ``Pipeline.tick`` runs a target's stages
in order and keeps what the next tick compares against (the last snapshot, the audit cache,
what the docs were rendered from); ``record_snapshot`` stores a snapshot with its run, for
the ``serve`` worker and ``driftwatch snapshot --target`` alike. Logging, metrics and the
published service state are the worker's.
"""

from driftwatch.pipeline.history import (
    History,
    Recorded,
    Stored,
    StoreHistory,
    cli_history,
    finish_run,
    record_failure,
    record_snapshot,
    store_snapshot,
)
from driftwatch.pipeline.results import Failed, Ok, Report, Stage, StageResult, reason, run_stage
from driftwatch.pipeline.stages import DefaultStages, Stages
from driftwatch.pipeline.tick import (
    Drift,
    Pipeline,
    Taken,
    Tick,
    baseline_spec,
    docs_dir,
    docs_key,
    relations,
    take,
)

__all__ = [
    "DefaultStages",
    "Drift",
    "Failed",
    "History",
    "Ok",
    "Pipeline",
    "Recorded",
    "Report",
    "Stage",
    "StageResult",
    "Stages",
    "StoreHistory",
    "Stored",
    "Taken",
    "Tick",
    "baseline_spec",
    "cli_history",
    "docs_dir",
    "docs_key",
    "finish_run",
    "reason",
    "record_failure",
    "record_snapshot",
    "relations",
    "run_stage",
    "store_snapshot",
    "take",
]
