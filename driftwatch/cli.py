"""Command line: parse, call, print, exit code. One module per command in ``commands/``.

Exit codes: 0 nothing to report · 1 drift found / findings at or above ``--fail-on`` ·
2 usage, config, input or output error · 3 target unreachable · 4 internal error (a bug).
Errors are one line on stderr, never a traceback (unless ``--debug``), and never carry a
DSN password.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from driftwatch import __version__, gctuning, progress
from driftwatch.commands import COMMANDS, Command, is_command
from driftwatch.dsn import redact
from driftwatch.errors import DriftwatchError, OutputError

EXIT_CODES = """exit codes:
  0  nothing to report
  1  drift found, or findings at or above --fail-on
  2  usage, config, input or output error (one line on stderr)
  3  target database unreachable, or a catalog query failed on it
  4  internal error: a bug (one line; run with --debug for the traceback)"""
INTERNAL = 4


_RST_LITERAL = re.compile(r"``(.+?)``", re.S)


def plain(text: str) -> str:
    """Help text from reStructuredText docstrings: ``literal`` markup becomes plain text."""
    return _RST_LITERAL.sub(r"\1", text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {redact(message)} (see --help)\n")

    def format_help(self) -> str:
        return plain(super().format_help())

    def format_usage(self) -> str:
        return plain(super().format_usage())


def command_names() -> list[Command]:
    """The commands, in the order help lists them (one module each in ``commands/``)."""
    return list(COMMANDS)


def build_parser(only: Command | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, just that command's module is imported (start-up time:
    ``driftwatch snapshot`` does not import the docs, rules, store or service stacks)."""
    parser = _Parser(
        prog="driftwatch",
        description="Schema drift and tenant-isolation watch for multi-tenant PostgreSQL.",
        epilog=EXIT_CODES + "\n\n--debug (anywhere on the line, or DRIFTWATCH_DEBUG=1) shows"
        " the traceback of an internal error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"driftwatch {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in [only] if only else command_names():
        module = importlib.import_module(f"driftwatch.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv or os.environ.get("DRIFTWATCH_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if is_command(first) else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    # Bars for the one-shot commands; serve and the demo log on stderr instead.
    progress.configure(
        quiet=bool(getattr(args, "quiet", False)) or args.command in ("serve", "demo")
    )
    try:
        code: int = args.func(args)
        _flush_stdout()
        return code
    except DriftwatchError as exc:
        _settle_stdout()
        print(f"driftwatch: error: {redact(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("driftwatch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
            return _internal(exc, debug)
        _drop_stdout()  # printing to a full disk: the likeliest writer
        print(f"driftwatch: error: cannot write output: {exc.strerror}", file=sys.stderr)
        return 2
    except Exception as exc:
        _settle_stdout()
        return _internal(exc, debug)


def _internal(exc: Exception, debug: bool) -> int:
    """A bug: one line (the traceback on request), its own exit code."""
    if debug:
        traceback.print_exc()
    reason = redact(" ".join(f"{type(exc).__name__}: {exc}".split()))
    print(
        f"driftwatch: internal error: {reason} (a bug; run with --debug for the traceback)",
        file=sys.stderr,
    )
    return INTERNAL


def _flush_stdout() -> None:
    """Output that cannot be written (a full disk, a closed pipe) is an error of its own,
    exit 2, not a traceback at interpreter exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_stdout()
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _settle_stdout() -> None:
    """Flush what a failed command printed; if that fails too, drop it (see below)."""
    try:
        sys.stdout.flush()
    except OSError:
        _drop_stdout()


def _drop_stdout() -> None:
    """Point fd 1 at the null device so the interpreter's final flush has nowhere to fail."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass


def entry() -> NoReturn:
    """The ``driftwatch`` command: ``main`` in a process that ends right after it, which
    ``gctuning`` then ends without the interpreter's teardown."""
    gctuning.short_lived()  # a Service (serve, demo) turns it off
    gctuning.end_process(main())


if __name__ == "__main__":
    raise SystemExit(main())
