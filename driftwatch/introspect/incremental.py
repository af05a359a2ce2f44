"""Incremental snapshot: re-read only the relations whose catalog rows changed since an
earlier snapshot of the same database, and keep the rest of that snapshot as it was.

Each read through ``take_incremental`` also reads a fingerprint of every user relation
(the catalog rows that define it and its members) and one of everything shared
(sql/relation_fingerprints.sql), and keeps them beside the snapshot's digest
(``catalog_state``: in this process, and in a file for the next one). The next read
compares: when only relation fingerprints changed, it re-reads those
relations and the ones whose data names them (sql/relation_dependents.sql: views, foreign
keys, policies, defaults, partitions) with the usual bulk queries filtered by OID, inside
the same kind of REPEATABLE READ transaction, and splices them into the earlier objects
(kept as the earlier snapshot holds them: by canonical bytes or digest, not decoded);
when shared objects changed, or there is no earlier state for that snapshot, it reads in
full. Nothing about OIDs enters the snapshot itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Literal, cast

import psycopg
from psycopg.rows import DictRow

from driftwatch import model
from driftwatch.introspect import loader, queries, rows, session
from driftwatch.introspect.assemble import Assembler, roles_named
from driftwatch.introspect.catalog_state import CatalogState, Relation, remember, state_of
from driftwatch.introspect.definitions import Quoter
from driftwatch.introspect.options import SnapshotOptions
from driftwatch.introspect.session import Connection
from driftwatch.objectgroup import ObjectGroup
from driftwatch.snapshot import digest_of

_KIND_OF_RELKIND = {
    "r": "tables",
    "p": "tables",
    "f": "tables",
    "v": "views",
    "m": "materialized_views",
    "S": "sequences",
}

# Above this share of the relations re-read, a full read costs no more and is simpler.
FULL_READ_SHARE = 0.5

Mode = Literal["full", "incremental", "reused"]


@dataclass(frozen=True)
class IncrementalStats:
    mode: Mode
    relations: int  # user relations in the database
    reread: int  # relations read this time (all of them for a full read)
    queries: int
    reason: str = ""  # why a full read


def take_incremental(
    dsn: str,
    opts: SnapshotOptions | None = None,
    *,
    previous: model.Snapshot | None = None,
    hasher: loader.Hasher = digest_of,
    earlier: CatalogState | None = None,
    reuse_unknown: bool = False,
) -> tuple[model.Snapshot, IncrementalStats]:
    """Snapshot ``dsn``, re-reading only what changed since ``previous`` (an earlier
    snapshot of the same target and options taken by this function, whose fingerprints
    this process kept or ``earlier`` gives: ``catalog_state.loads`` of a file a previous
    process wrote); anything else reads in full. The result equals a full snapshot's,
    digest included; ``catalog_state.state_of(dsn, result)`` gives its fingerprints.
    ``reuse_unknown``: a ``previous`` without fingerprints still comes back (with fresh
    meta, no fingerprints) when the catalog fingerprint says nothing changed."""
    options = opts or SnapshotOptions()
    if earlier is None and previous is not None:
        earlier = state_of(dsn, previous)

    def attempt() -> tuple[model.Snapshot, IncrementalStats]:
        with (
            session.connect(dsn, connect_timeout_s=options.connect_timeout_s) as conn,
            session.translated_errors(dsn, options),
        ):
            return _take(conn, dsn, options, previous, earlier, hasher, reuse_unknown)

    return session.retrying(dsn, attempt)


def _fingerprints(conn: Connection, major: int, quote: Quoter) -> tuple[str, dict[int, Relation]]:
    with conn.cursor() as cur:
        cur.execute(queries.query("relation_fingerprints", major))
        found = cast(list[rows.RelationFingerprint], cur.fetchall())
    shared = ""
    relations: dict[int, Relation] = {}
    for oid, schema, name, relkind, fingerprint in found:
        if oid == 0:
            shared = fingerprint
            continue
        assert schema is not None and name is not None and relkind is not None
        key = quote[schema] + "." + quote[name]
        relations[oid] = Relation(_KIND_OF_RELKIND[relkind], key, fingerprint)
    return shared, relations


def _dependents(cur: psycopg.Cursor[DictRow], major: int, changed: set[int]) -> set[int]:
    cur.execute(queries.query("relation_dependents", major), {"changed": sorted(changed)})
    return {int(r["oid"]) for r in cur}


def _take(
    conn: Connection,
    dsn: str,
    opts: SnapshotOptions,
    previous: model.Snapshot | None,
    earlier: CatalogState | None,
    hasher: loader.Hasher,
    reuse_unknown: bool,
) -> tuple[model.Snapshot, IncrementalStats]:
    with loader.read_transaction(conn) as (cur, bar):
        unknown = reuse_unknown and earlier is None  # reusable by catalog fingerprint alone
        opened = loader.open_read(cur, opts, fingerprint=earlier is not None or unknown)
        meta, major = opened.meta, opened.major
        quote = Quoter(opened.server["keywords"])
        sent = 3
        reason = _unusable(earlier, previous, meta)
        if (reason is None or unknown) and previous is not None and loader.reusable(previous, meta):
            snap = model.Snapshot(meta, digest=previous.digest, data=previous.data)
            n = 0
            if earlier is not None:
                remember(snap.digest, replace(earlier, dsn=dsn))
                n = len(earlier.relations)
            return snap, IncrementalStats("reused", n, 0, sent)
        shared: str | None = None
        relations: dict[int, Relation] = {}
        reread: set[int] | None = None  # None: everything
        fetched: dict[str, dict[str, bytes]] = {}
        if reason is None:
            assert earlier is not None and previous is not None
            with ThreadPoolExecutor(1, thread_name_prefix="driftwatch-read-ahead") as pool:
                # the earlier relations' bytes (to hash those kept) are read from the store
                # meanwhile, when the earlier snapshot came from there
                ahead = pool.submit(_read_ahead, previous.data)
                shared, relations = _fingerprints(conn, major, quote)
                sent += 1
                if shared != earlier.shared:
                    reason = "shared objects changed"
                else:
                    changed = {
                        oid
                        for oid in relations.keys() | earlier.relations.keys()
                        if relations.get(oid) != earlier.relations.get(oid)
                    }
                    reread = changed | _dependents(cur, major, changed) if changed else set()
                    sent += 1 if changed else 0
                    reread &= relations.keys()
                    if len(reread) > FULL_READ_SHARE * max(len(relations), 1):
                        reason, reread = "most relations changed", None
                if reread is not None:
                    fetched = ahead.result()
        base: dict[str, Mapping[str, Any]] | None = None
        gone: set[str] = set()
        kept_roles: set[str] = set()
        if reread is not None:
            assert earlier is not None and previous is not None
            gone = {
                earlier.relations[oid].key
                for oid in (reread | (earlier.relations.keys() - relations.keys()))
                if oid in earlier.relations
            }
            base = {}
            for kind in Assembler.RELATION_KINDS:
                group: Mapping[str, Any] = previous.data.get(kind) or {}
                base[kind] = ObjectGroup.spliced(group, gone, {}, fetched.get(kind))
            for oid in earlier.relations.keys() & relations.keys() - reread:
                kept_roles.update(earlier.roles.get(oid, ()))
        params = loader.params_of(opened, None if reread is None else sorted(reread))
        assembler, n = loader.read(conn, cur, opened, params, bar, base, gone, kept_roles)
        sent += n + 2

        def read_fingerprints() -> tuple[str, dict[int, Relation]]:
            if shared is not None:
                return shared, relations
            return _fingerprints(conn, major, quote)

        snap, (shared_now, relations_now) = loader.finish(
            conn, cur, meta, params, assembler, hasher, read_fingerprints
        )
    if shared is None:
        sent += 1
    kept = earlier.roles if earlier is not None and reread is not None else {}
    roles = _roles(snap.data, relations_now, kept, reread or set())
    remember(snap.digest, CatalogState(dsn, snap.meta, shared_now, relations_now, roles))
    total = len(relations_now)
    if reread is None:
        return snap, IncrementalStats("full", total, total, sent, reason or "")
    return snap, IncrementalStats("incremental", total, len(reread), sent)


def _unusable(
    earlier: CatalogState | None, previous: model.Snapshot | None, meta: model.Meta
) -> str | None:
    """Why the earlier state cannot serve this read (None: it can)."""
    if previous is None:
        return "no previous snapshot"
    if earlier is None:
        return "no fingerprints kept for the previous snapshot"
    was = earlier.meta
    if (was.database, was.schemas, was.driftwatch_version) != (
        meta.database,
        meta.schemas,
        meta.driftwatch_version,
    ):
        return "another database, schema selection or driftwatch version"
    if was.server_version != meta.server_version:
        return "another server version"
    return None


def _read_ahead(data: Mapping[str, Any]) -> dict[str, dict[str, bytes]]:
    """Kind → key → canonical bytes of the relations held by digest only (from the store)."""
    out: dict[str, dict[str, bytes]] = {}
    for kind in Assembler.RELATION_KINDS:
        group = data.get(kind)
        if isinstance(group, ObjectGroup):
            out[kind] = group.fetch_missing()
    return out


def _roles(
    data: Mapping[str, Any],
    relations: Mapping[int, Relation],
    kept: Mapping[int, tuple[str, ...]],
    reread: set[int],
) -> dict[int, tuple[str, ...]]:
    """The roles each relation names: a kept relation's as before, the others' from the
    objects just read (held decoded: nothing is decoded for this)."""
    out: dict[int, tuple[str, ...]] = {}
    for oid, rel in relations.items():
        named = kept.get(oid) if oid not in reread else None
        if named is None:
            group: Mapping[str, Any] = data.get(rel.kind) or {}
            obj = group.get(rel.key)
            named = tuple(sorted(roles_named(rel.kind, obj))) if obj is not None else ()
        out[oid] = named
    return out
