"""``driftwatch history``: the runs and snapshots the history store holds for each target.

For each run: when, status, snapshot digest, table count and the changes against the
snapshot before it. ``--snapshots`` lists the distinct stored snapshots instead.

The store is the config's ``store_url``, else ``driftwatch.db`` in ``state_dir``, which
defaults to the per-user state directory: $DRIFTWATCH_STATE_DIR, else
$XDG_STATE_HOME/driftwatch, else ~/.local/state/driftwatch (never the working directory).
"""

from __future__ import annotations

import argparse
import datetime as dt

import orjson

from driftwatch import config as configmod
from driftwatch import model
from driftwatch.commands._common import Subparsers, add_config_arg, emit, load_config
from driftwatch.config import derive
from driftwatch.diff import DiffResult, diff
from driftwatch.errors import DriftwatchError, UsageError
from driftwatch.store import Run, SnapshotInfo, Store


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "history",
        help="list stored runs and snapshots per target",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--target", metavar="NAME", help="only this target (default: every stored one)")
    p.add_argument(
        "--limit", type=int, default=20, metavar="N", help="newest N per target (default 20)"
    )
    p.add_argument("--snapshots", action="store_true", help="list stored snapshots, not runs")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_config_arg(p)
    p.set_defaults(func=run)


def record_snapshot(
    store: Store,
    target: str,
    snap: model.Snapshot,
    *,
    started: dt.datetime,
    cfg: configmod.Config | None = None,
) -> DiffResult | None:
    """Store ``snap`` as the newest state of ``target`` and record the run with its change
    counts against the previous latest snapshot (None when there was none)."""
    previous = store.latest_snapshot(target)
    result = None
    if previous is not None:
        opts = derive.diff_options(cfg or configmod.Config())
        result = diff(previous, snap, opts)
    store.save_snapshot(target, snap)
    store.record_run(
        target,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        status="ok",
        digest=snap.digest,
        counts=result.counts() if result else None,
    )
    return result


def record_failure(
    store: Store, target: str, error: DriftwatchError, *, started: dt.datetime
) -> None:
    store.record_run(
        target,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        status="error",
        error=error.message,
    )


def _when(t: dt.datetime | None) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ") if t else "-"


def _counts(c: dict[str, int] | object) -> str:
    assert isinstance(c, dict)
    if not c.get("total"):
        return "no changes"
    parts = ", ".join(f"{c[k]} {k}" for k in ("security", "breaking", "info") if c.get(k))
    return f"{c['total']} changes ({parts})"


def _run_line(r: Run, tables: dict[str, int]) -> str:
    if r.status != "ok":
        return f"  {_when(r.started)}  {r.status:<6} {r.error or ''}"
    digest = (r.digest or "-")[:19]
    n = tables.get(r.digest or "")
    tables_text = f"{n} tables" if n is not None else "? tables"
    return f"  {_when(r.started)}  {r.status:<6} {digest}  {tables_text:>11}  {_counts(dict(r.counts))}"


def _snap_line(s: SnapshotInfo) -> str:
    return (
        f"  {_when(s.taken_at)}  last seen {_when(s.last_seen)}  {s.digest[:19]}  "
        f"{s.tables} tables  {s.size:,} B JSON, {s.stored_size:,} B stored"
    )


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    cfg = load_config(args)
    with Store.from_config(cfg) as store:
        targets = [args.target] if args.target else store.targets()
        doc: dict[str, object] = {}
        lines: list[str] = []
        for target in targets:
            snaps = store.snapshots(target, limit=max(args.limit, 1000))
            tables = {s.digest: s.tables for s in snaps}
            lines.append(target)
            if args.snapshots:
                shown = snaps[: args.limit]
                lines += [_snap_line(s) for s in shown] or ["  (no snapshots)"]
                doc[target] = [
                    {
                        "digest": s.digest,
                        "taken_at": _when(s.taken_at),
                        "last_seen": _when(s.last_seen),
                        "tables": s.tables,
                        "size": s.size,
                        "stored_size": s.stored_size,
                    }
                    for s in shown
                ]
            else:
                runs = store.runs(target, limit=args.limit)
                lines += [_run_line(r, tables) for r in runs] or ["  (no runs)"]
                doc[target] = [
                    {
                        "started": _when(r.started),
                        "finished": _when(r.finished),
                        "status": r.status,
                        "error": r.error,
                        "digest": r.digest,
                        "tables": tables.get(r.digest or ""),
                        "changes": dict(r.counts),
                    }
                    for r in runs
                ]
    if args.format == "json":
        emit(
            orjson.dumps(
                {"format": "driftwatch.history/1", "targets": doc},
                option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS,
            )
            + b"\n",
            None,
        )
    elif not targets:
        print("no history yet: run 'driftwatch snapshot --target NAME' (or 'serve')")
    else:
        print("\n".join(lines))
    return 0
