"""Command line: parse, call, print, exit code. One module per command in ``commands/``.

Exit codes: 0 nothing to report · 1 drift found / findings at or above ``--fail-on`` ·
2 usage, config or input error · 3 target unreachable. Errors are one line on stderr,
never a traceback, and never carry a DSN password.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from driftwatch import __version__, commands, gcpause
from driftwatch.dsn import redact
from driftwatch.errors import DriftwatchError

# Help lists commands in this order; any other module in commands/ follows alphabetically.
ORDER = ("snapshot", "diff", "check", "docs", "baseline", "history", "probe", "serve", "demo")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {redact(message)} (see --help)\n")


def command_names() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that command's module is imported (start-up time:
    ``driftwatch snapshot`` does not import the docs, rules, store or service stacks)."""
    parser = _Parser(
        prog="driftwatch",
        description="Schema drift and tenant-isolation watch for multi-tenant PostgreSQL.",
    )
    parser.add_argument("--version", action="version", version=f"driftwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in [only] if only else command_names():
        module = importlib.import_module(f"driftwatch.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in command_names() else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.func(args)
        return code
    except DriftwatchError as exc:
        print(f"driftwatch: error: {redact(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("driftwatch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())


_KEPT: list[object] = []
_EXITING = False  # main() runs in the ``driftwatch`` process (entry), not as a library call


def keep_until_exit(obj: object) -> None:
    """In the ``driftwatch`` process, ``obj`` (a command's result, a whole snapshot) stays
    referenced until the process ends, which ``entry`` then does without freeing anything:
    releasing a 10,000-table snapshot object by object costs 0.1 s that nobody waits for.
    When ``main`` is called as a function (tests, embedding), nothing is kept."""
    if _EXITING:
        _KEPT.append(obj)


def entry() -> NoReturn:
    """The ``driftwatch`` command: ``main`` in a process that exits right after it. Freezing
    every object first spares the interpreter's full collection at exit (0.6 s after a
    10,000-table snapshot); nothing runs afterwards that could leak by it. When a command
    kept its result (``keep_until_exit``), the process ends at once once the output is
    flushed, without the interpreter's teardown."""
    global _EXITING
    _EXITING = True
    gcpause.short_lived()  # serve, the one long-running command, turns it off
    code = main()
    gc.freeze()
    if _KEPT:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:
            pass
        os._exit(code)
    raise SystemExit(code)
