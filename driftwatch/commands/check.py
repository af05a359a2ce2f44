"""``driftwatch check``: audit tenant isolation and RLS of a database or snapshot.

Runs every enabled rule (see docs/rules/) and prints the findings as text (a summary line,
then the findings per table with their remediation; info findings as counts unless -v),
JSON (``driftwatch.findings/1``) or SARIF 2.1.0 (each result located in the migration that
created its object, else in its generated docs page). Exit 1 when a finding is at or above
``--fail-on`` (default: error), else 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from driftwatch import config as configmod
from driftwatch import model, rules, sources
from driftwatch.cli import keep_until_exit
from driftwatch.commands._common import Subparsers, add_target_args, emit, live_source, load_config
from driftwatch.errors import UsageError
from driftwatch.findings import SEVERITIES, severity_rank
from driftwatch.introspect import take_snapshot
from driftwatch.report import FORMATS, Context, audited_schemas, render
from driftwatch.report.locations import locator


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "check",
        help="audit tenant isolation and row level security",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_args(p)
    p.add_argument(
        "--snapshot",
        metavar="SPEC",
        help="audit a snapshot instead of a live database: a file, 'baseline', 'last' or 'migrations:DIR'",
    )
    p.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="error",
        help="exit 1 when a finding has this severity or a higher one (default: error)",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout"
    )
    p.add_argument(
        "-v", "--verbose", action="store_true", help="text: list info findings one by one"
    )
    p.add_argument(
        "--sarif-root",
        metavar="DIR",
        help="repository root the SARIF file paths are relative to (default: the working"
        " directory)",
    )
    p.add_argument(
        "--migrations",
        metavar="DIR",
        help="migrations folder to locate SARIF results in (default: [migrations] folder, or"
        " the DIR of --snapshot migrations:DIR)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    if args.snapshot:
        if args.dsn or args.target:
            raise UsageError("--snapshot cannot be combined with --dsn or --target")
        snap = sources.resolve(args.snapshot, cfg)
    else:
        src = live_source(args, cfg)
        assert src is not None
        snap = take_snapshot(src.dsn, src.options)
    findings = rules.audit(snap, cfg)
    keep_until_exit((snap, findings))
    emit(render(findings, args.format, _context(args, cfg, snap)), args.output)
    threshold = severity_rank(args.fail_on)
    failing = [f for f in findings if severity_rank(f.severity) <= threshold]
    if args.output:
        print(
            f"driftwatch: wrote {args.output} ({len(findings)} findings, {len(failing)} at or above"
            f" {args.fail_on})",
            file=sys.stderr,
        )
    return 1 if failing else 0


def _context(args: argparse.Namespace, cfg: configmod.Config, snap: model.Snapshot) -> Context:
    audited = audited_schemas(snap, cfg)
    skipped = tuple(sorted(set(snap.objects.schemas) - set(audited)))
    locate = None
    if args.format == "sarif":
        folder = args.migrations or cfg.migrations.folder
        if not folder and args.snapshot and args.snapshot.startswith("migrations:"):
            folder = args.snapshot.partition(":")[2]
        root = Path(args.sarif_root) if args.sarif_root else Path.cwd()
        docs_dir = Path(
            (cfg.target(args.target).docs_output if args.target else None) or cfg.docs.output
        )
        locate = locator(snap, root, docs_dir, Path(folder) if folder else None)
    return Context(audited, skipped, args.verbose, locate, cfg.docs.rule_docs)
