"""The one writer and the one reader of files named by users.

``atomic_write`` puts data at a path according to what the path is (``stat``, following
symlinks):

* absent or a regular file: a temp file beside the (link-resolved) target, fsync, rename
  over it, so a reader or a killed process only ever sees the old or the new file. A
  symlink stays a link and its target is replaced; a new file gets the usual 0666 & ~umask
  mode, a replaced one keeps its mode. Only the directory driftwatch owns (``parents=True``,
  e.g. inside a docs tree) is created; ``-o /nonexistent/x.json`` is an error.
* a character device or a FIFO/pipe (``-o /dev/stdout``, ``-o /dev/null``,
  ``-o >(gzip > x.gz)``): written straight through, never replaced. A FIFO with no reader
  is refused at once instead of blocking.
* a directory, block device, socket: refused.

``read_limited`` reads a whole input file only if it is a regular file of at most
``limit`` bytes, so ``/dev/zero``, a FIFO or a 20 GB file is refused at once.

Every problem is a one-line ``OutputError`` / ``InputError`` (or the caller's class), exit 2.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from driftwatch.errors import ConfigError, DriftwatchError, InputError, OutputError

Data = bytes | Iterable[bytes]


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _chunks(data: Data) -> Iterable[bytes]:
    return [data] if isinstance(data, bytes) else data


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path | str, data: Data, *, parents: bool = False) -> None:
    """Write ``data`` (bytes, or byte chunks written as they come) to ``path``; see above.
    ``parents``: create missing parent directories (for paths inside a tree we own)."""
    path = Path(path)
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        _write_through(path, data, st.st_mode)
        return
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"cannot write {path}: it is {_kind(st.st_mode)}")
    # A symlink (possibly dangling) is kept: the file it points to is what we write.
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    _replace(path, target, data, st.st_mode if st is not None else None, parents)


def _write_through(path: Path, data: Data, mode: int) -> None:
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC
    if stat.S_ISFIFO(mode):
        flags |= os.O_NONBLOCK  # no reader: ENXIO now rather than blocking for ever
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"cannot write {path}: no process is reading this FIFO") from None
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        with os.fdopen(fd, "wb", closefd=True) as fh:
            fd = -1
            for chunk in _chunks(data):
                fh.write(chunk)
    except BrokenPipeError:
        raise OutputError(f"cannot write {path}: its reader went away") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)


def _replace(shown: Path, target: Path, data: Data, mode: int | None, parents: bool) -> None:
    parent = target.parent
    try:
        if parents:
            parent.mkdir(parents=True, exist_ok=True)
        elif not parent.is_dir():
            what = "is not a directory" if parent.exists() else "does not exist"
            raise OutputError(f"cannot write {shown}: directory {parent} {what}")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
            for chunk in _chunks(data):
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def format_size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


# Size limits of input files by kind: the [limits] of the config in use (``configure``).
LIMITS_DEFAULT = {"snapshot_size": 1 << 30, "file_size": 256 << 20, "dsn_file_size": 64 << 10}
_limits = dict(LIMITS_DEFAULT)


def configure(limits: dict[str, int]) -> None:
    """Set the limits ``read_input`` applies (``config.apply_limits`` calls this)."""
    _limits.update(limits)


def read_input(
    path: Path | str, *, what: str, kind: str, error: type[DriftwatchError] = InputError
) -> bytes:
    """``read_limited`` with the configured ``limits.<kind>`` (snapshot_size, file_size,
    dsn_file_size)."""
    return read_limited(path, what=what, limit=_limits[kind], setting=f"limits.{kind}", error=error)


def read_limited(
    path: Path | str,
    *,
    what: str,
    limit: int,
    setting: str | None = None,
    error: type[DriftwatchError] = InputError,
) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; otherwise
    one-line ``error`` naming ``what`` (e.g. "snapshot file") and the ``setting`` that
    raises the limit."""
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a directory") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise error(f"{what} {path} is {_kind(st.st_mode)}, not a regular file")
    with os.fdopen(fd, "rb") as fh:
        hint = f" (raise {setting} if it is meant)" if setting else ""
        too_big = error(f"{what} {path} is larger than {format_size(limit)}{hint}")
        if st.st_size > limit:
            raise too_big
        try:
            data = fh.read(limit + 1)  # a file growing (or /proc-like, size 0) stops here
        except OSError as exc:
            raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_big
    return data


def toml_of(raw: bytes, where: str | Path) -> dict[str, Any]:
    """The TOML document in ``raw`` (a config or table-groups file read with the limits
    above); anything that does not parse is a ConfigError naming ``where``."""
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{where}: invalid TOML: nested too deeply") from None
