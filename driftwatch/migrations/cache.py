"""Cache of replayed snapshots, keyed by what the replay depends on.

The key is a sha256 over the migration files' names and contents (in apply order), the
layout, the driftwatch version, the scratch server's major version and the snapshot
options, so a worker tick re-replays only when a migration changed. Entries are snapshot
files written atomically; an unreadable or corrupt entry is ignored (and rebuilt).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from pathlib import Path

from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.errors import DriftwatchError
from driftwatch.fileio import atomic_write

KEEP = 32  # newest entries kept per cache directory


def key(files: Iterable[tuple[str, bytes]], *, extra: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in extra:
        h.update(b"x\0" + part.encode() + b"\0")
    for name, content in files:
        h.update(b"f\0" + name.encode() + b"\0")
        h.update(hashlib.sha256(content).digest())
    return h.hexdigest()


def load(cache_dir: Path, digest: str) -> model.Snapshot | None:
    path = cache_dir / f"{digest}.json"
    if not path.is_file():
        return None
    try:
        snap = snapmod.read(path)
    except DriftwatchError:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    with contextlib.suppress(OSError):
        path.touch()  # recently used: survives pruning
    return snap


def store(cache_dir: Path, digest: str, snap: model.Snapshot) -> None:
    atomic_write(cache_dir / f"{digest}.json", snapmod.dumps(snap, indent=False), parents=True)
    _prune(cache_dir)


def _prune(cache_dir: Path) -> None:
    try:
        entries = sorted(cache_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in entries[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
