"""``driftwatch probe``: let PostgreSQL prove each tenant table isolated, or show the leak.

It WRITES fixture rows (then rolls every transaction back), so it runs only against a
target with ``probe = true`` in the config, or with ``--allow-writes``. See docs/probe.md.
Exit codes: 0 no leak · 1 a cross-tenant leak was found · 2 usage/config · 3 unreachable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from driftwatch import api
from driftwatch.commands._common import Subparsers, add_target_args, emit, live_source, load_config
from driftwatch.errors import UsageError
from driftwatch.fileio import atomic_write
from driftwatch.probe import ProbeOptions, pgtap, run_probe
from driftwatch.probe import merge as mergemod
from driftwatch.probe.render import FORMATS, render
from driftwatch.rules.report.locations import locator


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "probe",
        help="impersonate two tenants in rolled-back transactions and report leaks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_args(p)
    p.add_argument(
        "--tables",
        action="append",
        metavar="GLOB",
        default=[],
        help="probe only tables matching GLOB (schema.table or table; repeatable)",
    )
    p.add_argument(
        "--exclude-tables",
        action="append",
        metavar="GLOB",
        default=[],
        help="never probe tables matching GLOB, e.g. ones whose triggers call out",
    )
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument(
        "--allow-writes",
        action="store_true",
        help="allow the write-and-rollback probe on a target without probe = true",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout"
    )
    p.add_argument(
        "--emit",
        nargs=2,
        metavar=("FORMAT", "DIR"),
        help="also write each probed table's attacks as test files: 'pgtap DIR' writes"
        " DIR/<schema>.<table>.sql for pg_prove",
    )
    p.set_defaults(func=run)


def _emit_dir(emit: list[str] | None) -> Path | None:
    if emit is None:
        return None
    fmt, folder = emit
    if fmt != "pgtap":
        raise UsageError(f"--emit: unknown format {fmt!r} (known: pgtap)")
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--emit pgtap: {folder} exists and is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    src = live_source(args, cfg)
    assert src is not None
    allowed = bool(args.allow_writes) or (src.target is not None and cfg.target(src.target).probe)
    if not allowed:
        where = f"target {src.target!r}" if src.target else "a --dsn database"
        raise UsageError(
            f"probe writes (and rolls back) fixture rows, so it needs probe = true on the"
            f" target in the config or --allow-writes; refusing to run against {where}"
        )
    emit_dir = _emit_dir(args.emit)
    snapshot = api.take(src.dsn, src.options)
    options = ProbeOptions.from_config(
        cfg,
        tables=args.tables,
        exclude_tables=args.exclude_tables,
        target=src.target,
        emit_pgtap=emit_dir is not None,
    )
    report = run_probe(src.dsn, snapshot, cfg, options)
    if emit_dir is not None:
        written = 0
        for t in report.tables:
            if t.pgtap:
                atomic_write(emit_dir / pgtap.file_name(t.table), t.pgtap.encode())
                written += 1
        print(
            f"driftwatch: wrote {written} pgTAP file(s) to {emit_dir}"
            f" ({len(report.tables) - written} table(s) skipped or undecided: no file)",
            file=sys.stderr,
        )
    static = api.audit(snapshot, cfg).findings
    errors = mergemod.static_errors(static)
    found = mergemod.findings(report, snapshot, cfg)
    docs_dir = Path((cfg.target(src.target).docs_output if src.target else None) or cfg.docs.output)
    locate = locator(snapshot, Path.cwd(), docs_dir, None) if args.format == "sarif" else None
    emit(render(report, found, errors, args.format, locate), args.output)
    if args.output:
        print(f"driftwatch: wrote {args.output}", file=sys.stderr)
    return 1 if any(f.severity == "error" for f in found) else 0
