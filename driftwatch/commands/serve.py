"""``driftwatch serve``: watch every configured target on its schedule; serve /metrics.

Runs until SIGTERM/SIGINT (then stops scheduling, lets a running snapshot finish within
``server.shutdown_timeout`` and exits 0). ``--once`` runs every target once and exits:
0 if all succeeded, 3 if a target was unreachable, 2 for any other failure, including a
stage (store, diff, docs, baseline, rules) that failed after a good snapshot.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from driftwatch import logs
from driftwatch.commands._common import Subparsers, add_config_arg, load_config
from driftwatch.logs import log_event


def register(sub: Subparsers) -> None:
    p = sub.add_parser(
        "serve",
        help="watch targets on a schedule; serve /metrics, /healthz, /readyz",
        description=__doc__,
    )
    add_config_arg(p)
    p.add_argument("--listen", metavar="HOST:PORT", help="override [server] listen")
    p.add_argument("--once", action="store_true", help="run every target once and exit")
    p.add_argument(
        "--log-format",
        choices=("json", "text"),
        help="log lines as JSON objects or text (default: text on a TTY, JSON otherwise)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from driftwatch.service import Service

    logs.setup(args.log_format)
    log = logging.getLogger(logs.LOGGER_NAME)
    cfg = load_config(args)
    service = Service(cfg, listen=args.listen, log=log)

    if args.once:
        outcomes = service.run_once()
        service.stop(timeout_s=0)
        failed = [o for o in outcomes if not o.ok]
        if failed:
            return 3 if any(o.exit_code == 3 for o in failed) else 2
        stages = sorted({f"{o.target}: {st}" for o in outcomes for st in o.stage_errors})
        if stages:  # the snapshot was taken but not all of it was stored, rendered or audited
            print(f"driftwatch: error: stage(s) failed: {', '.join(stages)}", file=sys.stderr)
            return 2
        return 0

    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    service.start()
    log_event(log, "serve.started", targets=len(cfg.targets), pid=os.getpid())
    while not stop.wait(1.0):
        pass
    timeout = service.settings.shutdown_timeout_s
    log_event(
        log,
        "serve.stopping",
        signal=received[0] if received else None,
        running=service.inflight,
        timeout_s=timeout,
    )
    if not service.stop():
        # A snapshot outlived the bound: leave without waiting for its thread
        # (its connection dies with the process).
        log_event(
            log,
            "serve.stopped",
            logging.WARNING,
            clean=False,
            reason=f"a run was still going after {timeout:g}s",
        )
        sys.stderr.flush()
        os._exit(0)
    log_event(log, "serve.stopped", clean=True)
    return 0
