"""Canonical JSON for snapshots (``driftwatch.snapshot/1``): encode, digest, read, write.

Canonical means: orjson with sorted keys, no OIDs, no timestamps inside ``objects``; the
``digest`` is the sha256 of the canonical JSON of ``objects`` alone, so two snapshots of
an unchanged schema have the same digest whenever and wherever they were taken.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from driftwatch import model
from driftwatch.errors import InputError, SnapshotFormatError
from driftwatch.fileio import atomic_write
from driftwatch.gcpause import collector_paused
from driftwatch.jsonschema_gen import FORMAT, SCHEMA_PATH

__all__ = ["FORMAT", "canonical", "digest_of", "dumps", "loads", "read", "write"]

_OPTS = orjson.OPT_SORT_KEYS


def canonical(data: Any) -> bytes:
    """Canonical compact JSON bytes of JSON-native data or a model object."""
    if not isinstance(data, dict | list | str | int | float | bool) and data is not None:
        data = model.to_data(data)
    return orjson.dumps(data, option=_OPTS)


# Objects per orjson call when writing a group: one call per object costs more in calls
# and joins than the encoding itself at 10,000 tables; one call for the whole group would
# hold all of its JSON (71 MB indented) at once.
BATCH = 256


def _batches(group: dict[str, Any]) -> Iterator[dict[str, Any]]:
    keys = sorted(group)
    for i in range(0, len(keys), BATCH):
        yield {key: group[key] for key in keys[i : i + BATCH]}


def _group_chunks(kind: str, group: dict[str, Any], *, indent: bool) -> Iterator[bytes]:
    """The members of ``objects[kind]`` exactly as ``orjson.dumps`` of the whole document
    spells them (without the braces around them), a batch of objects at a time: each batch
    is encoded inside the same wrappers, so its indentation is the document's, and cut out."""
    if indent:
        head = b'{\n  "objects": {\n    ' + orjson.dumps(kind) + b": {"
        tail = b"\n    }\n  }\n}"
        opts = _OPTS | orjson.OPT_INDENT_2
    else:
        head, tail, opts = b"{" + orjson.dumps(kind) + b":{", b"}}", _OPTS
    for i, batch in enumerate(_batches(group)):
        wrapped = {"objects": {kind: batch}} if indent else {kind: batch}
        if i:
            yield b","
        yield orjson.dumps(wrapped, option=opts)[len(head) : -len(tail)]


def _objects_chunks(data: Any) -> Iterator[bytes]:
    """``canonical(data)`` of an ``objects`` tree, a batch of objects at a time."""
    yield b"{"
    for i, kind in enumerate(sorted(data)):
        yield (b"," if i else b"") + orjson.dumps(kind) + b":{"
        yield from _group_chunks(kind, data[kind], indent=False)
        yield b"}"
    yield b"}"


def digest_of(data: Any) -> str:
    """sha256 of the canonical JSON. An ``objects`` tree is hashed piece by piece, so a
    10k-table snapshot never needs its 37 MB of canonical JSON in memory at once."""
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        h = hashlib.sha256()
        for chunk in _objects_chunks(data):
            h.update(chunk)
        return "sha256:" + h.hexdigest()
    return "sha256:" + hashlib.sha256(canonical(data)).hexdigest()


def make(meta: model.Meta, objects: model.Objects) -> model.Snapshot:
    data = model.to_data(objects)
    return model.Snapshot(meta, objects, digest_of(data), data=data)


def make_from_data(meta: model.Meta, data: dict[str, Any]) -> model.Snapshot:
    """A snapshot from JSON-native objects (exactly the shape ``model.to_data`` gives)."""
    return model.Snapshot(meta, digest=digest_of(data), data=data)


def to_document(snap: model.Snapshot) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "digest": snap.digest,
        "meta": model.to_data(snap.meta),
        "objects": snap.data,
    }


def chunks(snap: model.Snapshot, *, indent: bool = True) -> Iterator[bytes]:
    """The snapshot file, piece by piece: exactly the bytes of ``orjson.dumps`` of the whole
    document (sorted keys, optional 2-space indent) plus a newline, without ever holding
    all of it (71 MB indented at 10k tables) in memory."""
    if not indent:
        yield b'{"digest":' + orjson.dumps(snap.digest) + b',"format":' + orjson.dumps(FORMAT)
        yield b',"meta":' + orjson.dumps(model.to_data(snap.meta), option=_OPTS) + b',"objects":'
        yield from _objects_chunks(snap.data)
        yield b"}\n"
        return

    meta = orjson.dumps(model.to_data(snap.meta), option=_OPTS | orjson.OPT_INDENT_2)
    yield b'{\n  "digest": ' + orjson.dumps(snap.digest) + b',\n  "format": '
    yield orjson.dumps(FORMAT) + b',\n  "meta": ' + meta.replace(b"\n", b"\n  ")
    data = snap.data
    if not data:
        yield b',\n  "objects": {}\n}\n'
        return
    yield b',\n  "objects": {'
    for i, kind in enumerate(sorted(data)):
        group = data[kind]
        yield (b"," if i else b"") + b"\n    " + orjson.dumps(kind) + b": "
        if not group:
            yield b"{}"
            continue
        yield b"{"
        yield from _group_chunks(kind, group, indent=True)
        yield b"\n    }"
    yield b"\n  }\n}\n"


def dumps(snap: model.Snapshot, *, indent: bool = True) -> bytes:
    return b"".join(chunks(snap, indent=indent))


@functools.cache
def _validator() -> Callable[[Any], Any]:
    import fastjsonschema  # only reading needs it: keep it off the start-up path

    schema = orjson.loads(SCHEMA_PATH.read_bytes())
    validate: Callable[[Any], Any] = fastjsonschema.compile(schema)
    return validate


def loads(data: bytes | str, *, source: str = "snapshot") -> model.Snapshot:
    """Parse and validate a snapshot document; every problem is a one-line SnapshotFormatError."""
    try:
        with collector_paused():
            doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SnapshotFormatError(f"{source}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise SnapshotFormatError(
            f"{source}: not a driftwatch snapshot (top level is not an object)"
        )
    fmt = doc.get("format")
    if not isinstance(fmt, str) or not fmt.startswith("driftwatch.snapshot/"):
        raise SnapshotFormatError(f"{source}: not a driftwatch snapshot (format={fmt!r})")
    if fmt != FORMAT:
        raise SnapshotFormatError(
            f"{source}: snapshot format {fmt!r} is not supported by this version "
            f"(reads {FORMAT!r}); upgrade driftwatch"
        )
    validate = _validator()
    from fastjsonschema import JsonSchemaValueException

    try:
        validate(doc)
    except JsonSchemaValueException as exc:
        where = exc.name.replace("data.", "", 1) if exc.name else "document"
        raise SnapshotFormatError(f"{source}: invalid snapshot at {where}: {exc.message}") from None
    actual = digest_of(doc["objects"])
    if actual != doc["digest"]:
        raise SnapshotFormatError(
            f"{source}: digest mismatch (file says {doc['digest'][:19]}…, content is "
            f"{actual[:19]}…): the file was edited or truncated"
        )
    meta = model.from_data(model.Meta, doc["meta"])
    return model.Snapshot(meta, digest=actual, data=doc["objects"])


def read(path: Path | str) -> model.Snapshot:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"snapshot file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"snapshot path is a directory: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read snapshot {path}: {exc.strerror or exc}") from None
    return loads(data, source=str(path))


def write(snap: model.Snapshot, path: Path | str) -> None:
    atomic_write(path, chunks(snap))
