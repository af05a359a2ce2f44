"""Canonical JSON for snapshots (``driftwatch.snapshot/2``): encode, digest, read, write.

Canonical means: orjson with sorted keys, no OIDs, no timestamps inside ``objects``; the
``digest`` is the sha256 of the canonical JSON of ``objects`` alone, so two snapshots of
an unchanged schema have the same digest whenever and wherever they were taken.

Format 1 files (and stored snapshots) are still read: ``upgrade_v1`` turns their objects
into format 2 (quoted keys, every new field at its default) and the digest is computed
again over the result.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from driftwatch import idents, model
from driftwatch.errors import SnapshotFormatError
from driftwatch.fileio import atomic_write, read_input
from driftwatch.gctuning import collector_paused
from driftwatch.jsonschema_gen import FORMAT, SCHEMA_PATH, V1_FORMAT, V1_SCHEMA_PATH
from driftwatch.objectgroup import ObjectGroup, canonical_of, digest_bytes, group_digest

__all__ = [
    "FORMAT",
    "V1_FORMAT",
    "NotLayout",
    "Spool",
    "canonical",
    "chunks_from",
    "digest_of",
    "dumps",
    "loads",
    "read",
    "upgrade_v1",
    "write",
]

_OPTS = orjson.OPT_SORT_KEYS


def canonical(data: Any) -> bytes:
    """Canonical compact JSON bytes of JSON-native data or a model object."""
    if not isinstance(data, dict | list | str | int | float | bool) and data is not None:
        data = model.to_data(data)
    return orjson.dumps(data, option=_OPTS)


# The file's layout: the document indented two spaces down to the objects, each object on
# one line of its own, as compact canonical JSON. ``git diff`` of two files then names the
# objects that changed, the file stays much smaller than indenting all the way down, and
# the canonical JSON the digest covers is the same bytes with other separators between the
# objects: writing a new snapshot encodes its objects once (``Spool``), not twice.
_LINE = b"\n      "  # before each object: its group is indented four spaces, it six
# Objects per piece: few enough that a piece's three copies (the objects' JSON, the
# canonical and the file bytes) stay small next to the tree (sizes in bench/README.md).
LINES = 32


def _object_lines(data: Any, *, lines: bool = True) -> Iterator[tuple[bytes, bytes]]:
    """(canonical, file) bytes of an ``objects`` tree, ``LINES`` objects at a time: the
    first pieces join to ``canonical(data)``, the second to the file's ``"objects"`` value
    (empty when ``lines`` is false: only the canonical JSON is wanted)."""
    if not data:
        yield b"{}", b"{}"
        return
    yield b"{", b"{"
    for i, kind in enumerate(sorted(data)):
        sep = b"," if i else b""
        name = orjson.dumps(kind)
        group = data[kind]
        if not group:
            yield sep + name + b":{}", sep + b"\n    " + name + b": {}"
            continue
        yield sep + name + b":{", sep + b"\n    " + name + b": {"
        keys = sorted(group)
        for start in range(0, len(keys), LINES):
            canon: list[bytes] = []
            text: list[bytes] = []
            for key in keys[start : start + LINES]:
                k = orjson.dumps(key)
                v = canonical_of(group, key)
                canon += (b",", k, b":", v)
                if lines:
                    text += (b",", _LINE, k, b": ", v)
            if not start:
                del canon[0], text[:1]
            yield b"".join(canon), b"".join(text)
        yield b"}", b"\n    }"
    yield b"}", b"\n  }"


def _objects_chunks(data: Any) -> Iterator[bytes]:
    """``canonical(data)`` of an ``objects`` tree, ``LINES`` objects at a time."""
    for canon, _ in _object_lines(data, lines=False):
        yield canon


def digest_of(data: Any) -> str:
    """sha256 of the canonical JSON. An ``objects`` tree is hashed piece by piece, so a big
    snapshot never needs all of its canonical JSON in memory at once."""
    if isinstance(data, dict) and data and all(isinstance(v, Mapping) for v in data.values()):
        h = hashlib.sha256()
        for chunk in _objects_chunks(data):
            h.update(chunk)
        return "sha256:" + h.hexdigest()
    return "sha256:" + hashlib.sha256(canonical(data)).hexdigest()


def hashed(data: Mapping[str, Any]) -> tuple[str, dict[str, ObjectGroup]]:
    """The digest of an ``objects`` tree and the tree as ``ObjectGroup``s that know each
    object's digest: every object is encoded once, for both."""
    h = hashlib.sha256()
    groups: dict[str, ObjectGroup] = {}
    h.update(b"{")
    for i, kind in enumerate(sorted(data)):
        group = data[kind]
        h.update((b"," if i else b"") + orjson.dumps(kind) + b":{")
        keys = sorted(group)
        if isinstance(group, ObjectGroup):
            # Objects kept from a stored snapshot come as canonical bytes read in batches
            # (their digests are known); only the others are encoded and hashed.
            for j, (key, v) in enumerate(group.canonicals(keys)):
                h.update((b"," if j else b"") + orjson.dumps(key) + b":" + v)
                if group.known_digest(key) is None:
                    group.learn(key, digest_bytes(v), len(v))
            groups[kind] = group
            h.update(b"}")
            continue
        digests: dict[str, str] = {}
        sizes: dict[str, int] = {}
        for j, key in enumerate(keys):
            v = canonical_of(group, key)
            h.update((b"," if j else b"") + orjson.dumps(key) + b":" + v)
            digests[key] = digest_bytes(v)
            sizes[key] = len(v)
        h.update(b"}")
        groups[kind] = ObjectGroup.of(group, digests, sizes)
    h.update(b"}")
    return "sha256:" + h.hexdigest(), groups


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


def _head(snap: model.Snapshot) -> bytes:
    """The file up to the value of ``"objects"`` (see ``_LINE``)."""
    meta = orjson.dumps(model.to_data(snap.meta), option=_OPTS | orjson.OPT_INDENT_2)
    return (
        b'{\n  "digest": '
        + orjson.dumps(snap.digest)
        + b',\n  "format": '
        + orjson.dumps(FORMAT)
        + b',\n  "meta": '
        + meta.replace(b"\n", b"\n  ")
        + b',\n  "objects": '
    )


_TAIL = b"\n}\n"


def chunks(snap: model.Snapshot, *, indent: bool = True) -> Iterator[bytes]:
    """The snapshot file, piece by piece, without ever holding all of it in memory: sorted
    keys, indented down to the objects, one object per line (``_LINE``); with ``indent``
    false, exactly compact ``orjson.dumps`` of the document. Either way followed by a
    newline."""
    if not indent:
        yield b'{"digest":' + orjson.dumps(snap.digest) + b',"format":' + orjson.dumps(FORMAT)
        yield b',"meta":' + orjson.dumps(model.to_data(snap.meta), option=_OPTS) + b',"objects":'
        yield from _objects_chunks(snap.data)
        yield b"}\n"
        return
    yield _head(snap)
    for _, text in _object_lines(snap.data):
        yield text
    yield _TAIL


class NotLayout(ValueError):
    """The previous file handed to ``chunks_from`` is not in driftwatch's layout."""


_OLD_OBJECTS = b'  "objects": {\n'


def _old_objects(fh: BinaryIO) -> Iterator[tuple[str, str, bytes]]:
    """(kind, key, canonical JSON) of each object line of a file in ``chunks``' layout,
    in file order; ``NotLayout`` at the first line that does not fit it."""
    for line in fh:
        if line == _OLD_OBJECTS:
            break
    else:
        raise NotLayout("no objects")
    kind: str | None = None
    for line in fh:
        if kind is not None and line.startswith(b'      "'):
            end = line.find(b'": ', 7)
            if end < 0:
                raise NotLayout("object line")
            body = line[end + 3 : -1]
            yield kind, orjson.loads(line[6 : end + 1]), body[:-1] if body.endswith(b",") else body
        elif kind is not None and line in (b"    },\n", b"    }\n"):
            kind = None
        elif line in (b"  }\n", b"}\n"):
            continue
        else:
            k = _KIND_LINE.fullmatch(line[:-1])
            if k is None or kind is not None:
                raise NotLayout("kind line")
            if not k[2]:
                kind = orjson.loads(k[1])


def chunks_from(previous: BinaryIO, snap: model.Snapshot) -> Iterator[bytes]:
    """``chunks(snap)``, taking each object whose canonical JSON is unchanged from the
    ``previous`` file of the same layout instead of encoding it: rewriting a big file
    after a few changes reads it once and encodes only what changed. An object line of
    ``previous`` is used only when its digest is the object's, so the result is exactly
    ``chunks(snap)`` whatever ``previous`` holds; ``NotLayout`` (raised before anything
    is yielded when the file's head is off, else midway) when it is not in the layout."""
    old = _old_objects(previous)
    cur = next(old, None)
    data = snap.data
    yield _head(snap)
    if not data:
        yield b"{}"
    else:
        yield b"{"
    for i, kind in enumerate(sorted(data)):
        sep = b"," if i else b""
        name = orjson.dumps(kind)
        group = data[kind]
        if not group:
            yield sep + b"\n    " + name + b": {}"
            continue
        yield sep + b"\n    " + name + b": {"
        text: list[bytes] = []
        for j, key in enumerate(sorted(group)):
            while cur is not None and (cur[0], cur[1]) < (kind, key):
                cur = next(old, None)
            if cur is not None and cur[0] == kind and cur[1] == key:
                value = cur[2]
                if digest_bytes(value) != group_digest(group, key):
                    value = canonical_of(group, key)
            else:
                value = canonical_of(group, key)
            text += (b"," if j else b"", _LINE, orjson.dumps(key), b": ", value)
            if len(text) >= 5 * LINES:
                yield b"".join(text)
                text = []
        yield b"".join(text) + b"\n    }"
    if data:
        yield b"\n  }"
    yield _TAIL


SPOOL_BLOCK = 1 << 20  # bytes per read when the file is copied from the spool


class Spool:
    """A fresh snapshot's objects encoded once for both the digest and the file.

    ``digest`` (given to ``take_snapshot`` as its ``hasher``) hashes the canonical JSON of
    the objects while it writes their lines, in the file's layout, to ``fh``; ``chunks``
    then yields the file from those lines instead of encoding the objects again. A
    snapshot it did not encode (a reused one, say) is encoded as ``chunks`` does.
    ``spooled()`` gives one over an unnamed temporary file.
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._file = fh
        self._encoded: tuple[Any, str] | None = None

    def digest(self, data: dict[str, Any]) -> str:
        fh = self._file
        fh.seek(0)
        fh.truncate()
        h = hashlib.sha256()
        for canon, text in _object_lines(data):
            h.update(canon)
            fh.write(text)
        fh.flush()
        digest = "sha256:" + h.hexdigest()
        self._encoded = (data, digest)
        return digest

    def chunks(self, snap: model.Snapshot) -> Iterator[bytes]:
        encoded = self._encoded
        if encoded is None or encoded[0] is not snap.data or encoded[1] != snap.digest:
            yield from chunks(snap)
            return
        yield _head(snap)
        self._file.seek(0)
        while block := self._file.read(SPOOL_BLOCK):
            yield block
        yield _TAIL


@contextlib.contextmanager
def spooled() -> Iterator[Spool]:
    with tempfile.TemporaryFile() as fh:
        yield Spool(fh)


def dumps(snap: model.Snapshot, *, indent: bool = True) -> bytes:
    return b"".join(chunks(snap, indent=indent))


@functools.cache
def _schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    schema: dict[str, Any] = orjson.loads(path.read_bytes())
    return schema


@functools.cache
def _validator(path: Path = SCHEMA_PATH) -> Callable[[Any], Any]:
    import fastjsonschema  # only reading needs it: keep it off the start-up path

    validate: Callable[[Any], Any] = fastjsonschema.compile(_schema(path))
    return validate


@functools.cache
def _envelope_validator() -> Callable[[Any], Any]:
    """The schema with ``objects`` reduced to its kinds: what a trusted read checks."""
    import fastjsonschema

    schema = _schema()
    kinds = sorted(schema["definitions"]["Objects"]["properties"])
    objects = {
        "type": "object",
        "propertyNames": {"enum": kinds},
        "additionalProperties": {"type": "object"},
    }
    properties = {**schema["properties"], "objects": objects}
    envelope = {**schema, "properties": properties, "definitions": _reachable(schema, properties)}
    validate: Callable[[Any], Any] = fastjsonschema.compile(envelope)
    return validate


def _reachable(schema: dict[str, Any], start: Any) -> dict[str, Any]:
    """The definitions ``start`` refers to, directly or through each other: compiling only
    those keeps a trusted read from compiling the whole model's schema."""
    definitions = schema["definitions"]
    found: dict[str, Any] = {}
    stack = [start]
    while stack:
        for name in re.findall(r'"#/definitions/([^"]+)"', orjson.dumps(stack.pop()).decode()):
            if name not in found:
                found[name] = definitions[name]
                stack.append(definitions[name])
    return dict(sorted(found.items()))


def _check(validate: Callable[[Any], Any], doc: Any, source: str) -> None:
    from fastjsonschema import JsonSchemaValueException

    try:
        validate(doc)
    except JsonSchemaValueException as exc:
        where = exc.name.replace("data.", "", 1) if exc.name else "document"
        raise SnapshotFormatError(f"{source}: invalid snapshot at {where}: {exc.message}") from None


_OBJECTS_AT = b',\n  "objects": {'
_KIND_LINE = re.compile(rb'    ("(?:[^"\\]|\\.)*"): \{(\}?),?')


def _read_layout(raw: bytes) -> tuple[dict[str, Any], dict[str, ObjectGroup], str] | None:
    """A file in driftwatch's own layout (``chunks``: one object per line), read without
    decoding its objects: (the document without them, the objects as ``ObjectGroup``s
    holding their canonical JSON, the digest of that JSON). None when the file is laid
    out otherwise; the caller then parses it whole. The digest is what makes this safe:
    it only equals the file's when the bytes taken are exactly the canonical JSON."""
    at = raw.find(_OBJECTS_AT)
    if at < 0 or not raw.endswith(b"\n  }\n}\n"):
        return None
    try:
        head = orjson.loads(raw[:at] + b"}")
    except orjson.JSONDecodeError:
        return None
    h = hashlib.sha256(b"{")
    update = h.update
    groups: dict[str, ObjectGroup] = {}
    canon: dict[str, bytes] = {}
    kind: str | None = None
    loads = orjson.loads
    find = raw.find
    pos, stop = at + len(_OBJECTS_AT) + 1, len(raw) - len(b"  }\n}\n")
    while pos < stop:  # one line a turn, sliced out of ``raw`` (no split: one copy less)
        eol = find(b"\n", pos, stop)
        if eol < 0:
            return None
        if kind is not None and raw.startswith(b'      "', pos):
            # the key ends at the first '": ' (a key holding one splits wrongly, and then
            # the digest does not verify: the caller reads the file the slow way)
            end = find(b'": ', pos + 7, eol)
            if end < 0:
                return None
            key = raw[pos + 6 : end + 1]
            value = raw[end + 3 : eol - 1 if raw[eol - 1] == 44 else eol]  # 44: ","
            if canon:
                update(b",")
            update(key)
            update(b":")
            update(value)
            try:  # a key without escapes is its UTF-8 text between the quotes
                canon[key[1:-1].decode() if b"\\" not in key else loads(key)] = value
            except (orjson.JSONDecodeError, UnicodeDecodeError):
                return None
            pos = eol + 1
            continue
        line = raw[pos:eol]
        pos = eol + 1
        if kind is not None and line in (b"    },", b"    }"):
            update(b"}")
            groups[kind] = ObjectGroup(canon, canon=canon)
            kind = None
            continue
        k = _KIND_LINE.fullmatch(line)
        if k is None or kind is not None:
            return None
        update((b"," if groups else b"") + k[1] + b":{")
        name = orjson.loads(k[1])
        if k[2]:
            update(b"}")
            groups[name] = ObjectGroup(())
        else:
            kind, canon = name, {}
    if kind is not None:
        return None
    h.update(b"}")
    return head, groups, "sha256:" + h.hexdigest()


# Format-1 kinds whose keys are schema-qualified (schemas and extensions are single names).
_V1_QUALIFIED = (
    "tables",
    "views",
    "materialized_views",
    "functions",
    "sequences",
    "enums",
    "domains",
)


def _v1_column_ref(ref: str) -> str:
    """``schema.table.column`` of format 1: the schema up to the first dot, the column
    after the last, the table in between."""
    schema, _, rest = ref.partition(".")
    table, _, column = rest.rpartition(".")
    return f"{idents.qualify(schema, table)}.{idents.quote(column)}"


def _v1_triggers(triggers: dict[str, Any]) -> dict[str, Any]:
    return {n: {**t, "function": idents.from_v1(t["function"])} for n, t in triggers.items()}


def upgrade_v1(objects: dict[str, Any]) -> dict[str, Any]:
    """Format-1 ``objects`` → format 2. Format 1 joined raw names with dots, so
    ``"a.b".c`` and ``a."b.c"`` had one key: a key is read as schema = the text before the
    first dot, name = the rest (``idents.from_v1``), which is right for every schema name
    without a dot. Fields format 2 added get their defaults (``model``)."""
    out = dict(objects)
    for kind in _V1_QUALIFIED:
        out[kind] = {idents.from_v1(k): v for k, v in (objects.get(kind) or {}).items()}
    tables = {}
    for key, t in out["tables"].items():
        t = dict(t)
        if t.get("partition_of"):
            t["partition_of"] = idents.from_v1(t["partition_of"])
        t["inherits"] = [idents.from_v1(p) for p in t.get("inherits") or ()]
        constraints = {}
        for name, c in (t.get("constraints") or {}).items():
            ref = c.get("references")
            if ref:
                c = {**c, "references": {**ref, "table": idents.from_v1(ref["table"])}}
            constraints[name] = c
        t["constraints"] = constraints
        t["triggers"] = _v1_triggers(t.get("triggers") or {})
        tables[key] = t
    out["tables"] = tables
    out["views"] = {
        k: {**v, "triggers": _v1_triggers(v.get("triggers") or {})} for k, v in out["views"].items()
    }
    out["sequences"] = {
        k: {**v, "owned_by": _v1_column_ref(v["owned_by"]) if v.get("owned_by") else None}
        for k, v in out["sequences"].items()
    }
    upgraded: dict[str, Any] = model.to_data(model.from_data(model.Objects, out))
    if "roles" not in objects:  # format 1 read no roles: unknown, not "none" (diff skips them)
        upgraded.pop("roles", None)
    return upgraded


def loads(data: bytes | str, *, source: str = "snapshot", strict: bool = False) -> model.Snapshot:
    """Parse a snapshot document; every problem is a one-line SnapshotFormatError.

    A file whose digest verifies against its content was written by driftwatch: only its
    envelope (format, digest, meta, the kinds of objects) is checked against the JSON
    Schema, and a file in driftwatch's own layout is not decoded at all until its objects
    are used (``ObjectGroup``). The whole document is validated when the digest does not
    verify (to name what is wrong) and with ``strict``."""
    raw = data.encode() if isinstance(data, str) else data
    fast = None if strict else _read_layout(raw)
    if fast is not None and fast[0].get("format") == FORMAT and fast[2] == fast[0].get("digest"):
        head, groups, digest = fast
        _format(head, source)
        _check(_envelope_validator(), {**head, "objects": {k: {} for k in groups}}, source)
        return model.Snapshot(model.from_data(model.Meta, head["meta"]), digest=digest, data=groups)
    try:
        with collector_paused():
            doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SnapshotFormatError(f"{source}: not valid JSON ({exc})") from None
    _format(doc, source)
    v1 = doc["format"] == V1_FORMAT
    actual = digest_of(doc.get("objects"))
    trusted = not strict and not v1 and actual == doc.get("digest")
    validator = (
        _envelope_validator() if trusted else _validator(V1_SCHEMA_PATH if v1 else SCHEMA_PATH)
    )
    _check(validator, doc, source)
    if actual != doc["digest"]:
        raise SnapshotFormatError(
            f"{source}: digest mismatch (file says {doc['digest'][:19]}…, content is "
            f"{actual[:19]}…): the file was edited or truncated"
        )
    meta = model.from_data(model.Meta, doc["meta"])
    objects = doc["objects"]
    if v1:  # format 1 is converted on read (``upgrade_v1``), always validated whole
        objects = upgrade_v1(objects)
        actual = digest_of(objects)
    return model.Snapshot(meta, digest=actual, data=objects)


def _format(doc: Any, source: str) -> None:
    if not isinstance(doc, dict):
        raise SnapshotFormatError(
            f"{source}: not a driftwatch snapshot (top level is not an object)"
        )
    fmt = doc.get("format")
    if not isinstance(fmt, str) or not fmt.startswith("driftwatch.snapshot/"):
        raise SnapshotFormatError(f"{source}: not a driftwatch snapshot (format={fmt!r})")
    if fmt not in (FORMAT, V1_FORMAT):
        raise SnapshotFormatError(
            f"{source}: snapshot format {fmt!r} is not supported by this version "
            f"(reads {FORMAT!r} and {V1_FORMAT!r}); upgrade driftwatch"
        )


def read(path: Path | str, *, strict: bool = False) -> model.Snapshot:
    data = read_input(path, what="snapshot file", kind="snapshot_size")
    return loads(data, source=str(path), strict=strict)


def write(
    snap: model.Snapshot, path: Path | str, *, spool: Spool | None = None, parents: bool = False
) -> None:
    """Write the snapshot file atomically (from ``spool`` when it encoded this snapshot)."""
    atomic_write(path, spool.chunks(snap) if spool is not None else chunks(snap), parents=parents)
