"""What an incremental snapshot compares against: the catalog fingerprints read with one
snapshot, kept in this process and, through ``dumps``/``loads``, in a file of the worker's
state dir, so that a new process can read incrementally after the snapshot it finds in the
store.

A state belongs to one snapshot digest and one database: the file names the digest and a
hash of the DSN without its password (never the DSN itself), and ``loads`` returns nothing
for another digest, another DSN or a file it cannot read. OIDs are in the state, never in
a snapshot.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import orjson

from driftwatch import dsn as dsnmod
from driftwatch import model
from driftwatch.errors import DriftwatchError

FORMAT = "driftwatch.catalog-state/1"
# Earlier snapshots whose fingerprints are kept (one per target a worker snapshots).
KEPT_STATES = 64


@dataclass(frozen=True)
class Relation:
    kind: str  # an Assembler.RELATION_KINDS entry
    key: str
    fingerprint: str


@dataclass(frozen=True)
class CatalogState:
    """The fingerprints read with one snapshot, and what they were read for."""

    dsn: str
    meta: model.Meta
    shared: str
    relations: dict[int, Relation]  # by OID
    # the roles each relation names (assemble.roles_named), by OID: the snapshot's roles
    # include those of the relations kept without decoding them
    roles: dict[int, tuple[str, ...]]


# (DSN, snapshot digest) → the fingerprints read with that snapshot, newest last; the
# serve workers of several targets take snapshots in parallel threads.
_states: OrderedDict[tuple[str, str], CatalogState] = OrderedDict()
_states_lock = threading.Lock()


def state_of(dsn: str, snapshot: model.Snapshot) -> CatalogState | None:
    """The fingerprints kept in this process for ``snapshot`` of ``dsn``, if any."""
    with _states_lock:
        return _states.get((dsn, snapshot.digest))


def remember(digest: str, state: CatalogState) -> None:
    key = (state.dsn, digest)
    with _states_lock:
        _states[key] = state
        _states.move_to_end(key)
        while len(_states) > KEPT_STATES:
            _states.popitem(last=False)


def dsn_identity(dsn: str) -> str:
    """A hash naming the database a DSN connects to, from the DSN without its password."""
    try:
        bare = dsnmod.with_password_removed(dsn)
    except DriftwatchError:
        bare = dsnmod.redact(dsn)
    return "sha256:" + hashlib.sha256(bare.encode()).hexdigest()


def dumps(digest: str, state: CatalogState) -> bytes:
    """The state as the file a new process reads back with ``loads``."""
    doc = {
        "format": FORMAT,
        "digest": digest,
        "dsn": dsn_identity(state.dsn),
        "meta": model.to_data(state.meta),
        "shared": state.shared,
        "relations": [
            [oid, r.kind, r.key, r.fingerprint, list(state.roles.get(oid, ()))]
            for oid, r in sorted(state.relations.items())
        ],
    }
    return orjson.dumps(doc)


def loads(raw: bytes, dsn: str, digest: str) -> CatalogState | None:
    """The state in ``raw`` if it belongs to snapshot ``digest`` of ``dsn`` and reads
    back whole; otherwise None (the next snapshot then reads in full)."""
    try:
        doc: Any = orjson.loads(raw)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return None
        if doc.get("digest") != digest or doc.get("dsn") != dsn_identity(dsn):
            return None
        relations: dict[int, Relation] = {}
        roles: dict[int, tuple[str, ...]] = {}
        for oid, kind, key, fingerprint, named in doc["relations"]:
            if not (isinstance(oid, int) and all(isinstance(s, str) for s in named)):
                return None
            relations[oid] = Relation(str(kind), str(key), str(fingerprint))
            roles[oid] = tuple(named)
        meta = model.from_data(model.Meta, doc["meta"])
        shared = doc["shared"]
        if not isinstance(shared, str):
            return None
    except (KeyError, TypeError, ValueError):  # orjson.JSONDecodeError is a ValueError
        return None
    return CatalogState(dsn, meta, shared, relations, roles)
