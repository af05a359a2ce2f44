"""``driftwatch check``: audit tenant isolation and RLS of a database or snapshot.

Runs every enabled rule (see docs/rules/) and prints the findings as text (a summary line
with the counts and the schemas audited and skipped — the exposed ones: ``[tenancy]
exposed_schemas`` plus the database's ``pgrst.db_schemas`` —, then the findings per table
with their remediation; info findings as counts unless -v), JSON (``driftwatch.findings/1``)
or SARIF 2.1.0 (each result located in the migration that created its object, else in its
generated docs page). Exit 1 when a finding is at or above ``--fail-on`` (default: error),
else 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from driftwatch import api, model, rules
from driftwatch import config as configmod
from driftwatch.commands._common import (
    Subparsers,
    add_snapshot_arg,
    add_target_args,
    audited_snapshot,
    emit,
    load_config,
)
from driftwatch.findings import SEVERITIES, severity_rank
from driftwatch.gctuning import keep_until_exit
from driftwatch.rules.report import FORMATS, Context, render
from driftwatch.rules.report.locations import locator


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "check",
        help="audit tenant isolation and row level security",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_args(p)
    add_snapshot_arg(p, "audit")
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
        "-v",
        "--verbose",
        action="store_true",
        help="text: list info findings one by one; also list, on stderr, the objects left out"
        " because an extension owns them",
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
    snap = audited_snapshot(args, cfg)
    result = api.audit(snap, cfg)
    findings = result.findings
    keep_until_exit((snap, findings))
    if cfg.source is None:  # no config file: say when the defaults plainly do not fit
        from driftwatch.rules._infer import hint

        line = hint(snap, cfg)
        if line:
            print(f"driftwatch: hint: {line}", file=sys.stderr)
    if args.verbose and result.scope.extension_objects:
        left_out = ", ".join(f"{o} ({e})" for o, e in result.scope.extension_objects)
        print(f"driftwatch: left out, owned by extensions: {left_out}", file=sys.stderr)
    emit(render(findings, args.format, _context(args, cfg, snap, result.scope)), args.output)
    threshold = severity_rank(args.fail_on)
    failing = [f for f in findings if severity_rank(f.severity) <= threshold]
    if args.output:
        print(
            f"driftwatch: wrote {args.output} ({len(findings)} findings, {len(failing)} at or above"
            f" {args.fail_on})",
            file=sys.stderr,
        )
    return 1 if failing else 0


def _context(
    args: argparse.Namespace, cfg: configmod.Config, snap: model.Snapshot, scope: rules.Scope
) -> Context:
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
    return Context(scope, args.verbose, locate, cfg.docs.rule_docs)
