"""The history store by object (schema version 2) on SQLite and PostgreSQL: objects and
pages are content-addressed and shared, storing a one-change snapshot writes O(change)
rows, reading one decodes only what is used, retention removes unreferenced objects, and
a version 1 store written by the previous code is migrated in place."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
import test_store
from conftest import PgServer
from test_store import KEEP_ALL, T0, make_snap, sa_url

from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.diff import diff
from driftwatch.errors import StoreError
from driftwatch.objectgroup import ObjectGroup
from driftwatch.store import Retention, Store

url = test_store.url  # the store on SQLite and on PostgreSQL

FIXTURE_V1 = Path(__file__).parent / "fixtures" / "store-v1.sqlite"
# written by the version 1 store (the code before the store went by object): two snapshots
# of target "app", five tables, table public.t2 gaining a column "note" in the second
V1_DIGESTS = (
    "sha256:3c4ba5e908a8e218cf4409a758eaed1f3a97c166ecf2e06bcf12e61fc39f18f1",
    "sha256:25023173f8cb1b2575d16bcb9173f13f9a4657b2a1695b82029c013656b48c9a",
)


def _format2_digests() -> tuple[str, ...]:
    """The fixture's snapshots hold format-1 objects: the migration converts them as a
    format-1 file is converted (``snapshot.upgrade_v1``), so they keep their data under
    format-2 keys and digests."""
    import sqlite3
    import zlib

    import orjson

    with sqlite3.connect(FIXTURE_V1) as conn:
        rows = dict(conn.execute("select digest, body from snapshots"))
    out = []
    for digest in V1_DIGESTS:
        doc = orjson.loads(zlib.decompress(rows[digest]))
        assert doc["format"] == snapmod.V1_FORMAT
        out.append(snapmod.digest_of(snapmod.upgrade_v1(doc["objects"])))
    return tuple(out)


def make_distinct(n: int, taken: dt.datetime = T0, tag: str = "") -> model.Snapshot:
    """``n`` tables that differ from each other (identical ones share one object)."""
    snap = make_snap(n, taken)
    data = {kind: dict(group) for kind, group in snap.data.items()}
    data["tables"] = {k: {**v, "comment": f"{k}{tag}"} for k, v in data["tables"].items()}
    return snapmod.make_from_data(snap.meta, data)


def _count(store: Store, table: str) -> int:
    with store.engine.begin() as conn:
        return int(conn.execute(sa.text(f"select count(*) from {table}")).scalar() or 0)


def _changed(snap: model.Snapshot, key: str, comment: str, taken: dt.datetime) -> model.Snapshot:
    data = {kind: dict(group) for kind, group in snap.data.items()}
    data["tables"][key] = {**data["tables"][key], "comment": comment}
    meta = model.from_data(
        model.Meta, {**model.to_data(snap.meta), "taken_at": f"{taken:%Y-%m-%dT%H:%M:%SZ}"}
    )
    return snapmod.make_from_data(meta, data)


def test_one_change_writes_one_object_and_its_page(url: str) -> None:
    a = make_distinct(300)
    with Store(url, retention=KEEP_ALL) as store:
        assert store.save_snapshot("prod", a)
        first = _count(store, "objects")
        assert first > 300  # 300 tables, a page per ~32 of them
        b = _changed(a, "public.t7", "changed", T0 + dt.timedelta(hours=1))
        assert store.save_snapshot("prod", b)
        assert _count(store, "objects") == first + 2  # the table and its page
        assert store.save_snapshot("other", b) is True  # another target shares them
        assert _count(store, "objects") == first + 2


def test_loaded_snapshot_is_exact_and_lazy(url: str) -> None:
    a = make_distinct(100)
    b = _changed(a, "public.t42", "changed", T0 + dt.timedelta(hours=1))
    with Store(url, retention=KEEP_ALL) as store:
        store.save_snapshot("prod", a)
        store.save_snapshot("prod", b)
        prev, last = store.previous_snapshot("prod"), store.latest_snapshot("prod")
        assert prev is not None and last is not None
        assert (prev.digest, last.digest) == (a.digest, b.digest)
        assert last.meta == b.meta
        result = diff(prev, last)
        assert [c.object for c in result.changes] == ["public.t42"]
        for snap in (prev, last):
            tables = snap.data["tables"]
            assert isinstance(tables, ObjectGroup) and tables.decoded() == 1
        assert snapmod.dumps(last) == snapmod.dumps(b)  # every object, byte for byte
        assert snapmod.digest_of(last.data) == b.digest


def test_unchanged_digest_updates_meta(url: str) -> None:
    a = make_snap(3)
    later = model.from_data(
        model.Meta,
        {**model.to_data(a.meta), "taken_at": "2024-05-02T00:00:00Z", "catalog_fingerprint": "x"},
    )
    with Store(url, retention=KEEP_ALL) as store:
        store.save_snapshot("prod", a)
        assert (
            store.save_snapshot("prod", model.Snapshot(later, digest=a.digest, data=a.data))
            is False
        )
        got = store.latest_snapshot("prod")
        assert got is not None and got.meta.catalog_fingerprint == "x"


def test_retention_removes_objects_no_manifest_references(url: str) -> None:
    snaps = [make_distinct(40, T0 + dt.timedelta(hours=i), tag=f"v{i}") for i in range(3)]
    with Store(url, retention=Retention(keep_snapshots=1, keep_runs=0, max_age_days=0)) as store:
        store.save_snapshot("prod", snaps[0])
        alone = _count(store, "objects")
        store.save_snapshot("other", snaps[0])  # shared with another target
        for s in snaps[1:]:
            store.save_snapshot("prod", s)
        assert store.prune("prod") == (2, 0)
        # prod keeps snaps[2], other keeps snaps[0]: exactly their objects and pages remain
        assert _count(store, "objects") == 2 * alone
        for target, snap in (("prod", snaps[2]), ("other", snaps[0])):
            got = store.latest_snapshot(target)
            assert got is not None and snapmod.dumps(got) == snapmod.dumps(snap)
        assert store.collect() == 0


def test_corrupt_object_is_a_store_error(url: str) -> None:
    with Store(url, retention=KEEP_ALL) as store:
        store.save_snapshot("prod", make_snap(2))
        with store.engine.begin() as conn:
            conn.execute(sa.text("update objects set body = :b"), {"b": b"garbage"})
        with pytest.raises(StoreError, match="corrupt"):
            store.latest_snapshot("prod")


def _v1_rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    engine = sa.create_engine(f"sqlite:///{FIXTURE_V1}")
    try:
        with engine.connect() as conn:
            snaps = [dict(r._mapping) for r in conn.execute(sa.text("select * from snapshots"))]
            runs = [dict(r._mapping) for r in conn.execute(sa.text("select * from runs"))]
    finally:
        engine.dispose()
    return snaps, runs


def _assert_migrated(store: Store) -> None:
    digests = _format2_digests()
    infos = store.snapshots("app")
    assert [i.digest for i in infos] == list(reversed(digests))
    old, new = store.previous_snapshot("app"), store.latest_snapshot("app")
    assert old is not None and new is not None
    assert (old.digest, new.digest) == digests
    assert snapmod.digest_of(old.data) == old.digest and snapmod.digest_of(new.data) == new.digest
    assert new.meta.catalog_fingerprint == "fp1" and new.meta.target == "app"
    assert [c.object for c in diff(old, new).changes] == ["public.t2.note"]
    assert len(store.runs("app")) == 2
    with store.engine.begin() as conn:
        assert conn.execute(sa.text("select version from schema_version")).scalar() == 2
        codecs = {r[0] for r in conn.execute(sa.text("select codec from snapshots"))}
    assert codecs == {"manifest"}
    # the four unchanged tables, the schema and the function are stored once
    assert _count(store, "objects") >= 8


def test_migrates_a_version_1_sqlite_store(tmp_path: Path) -> None:
    path = tmp_path / "driftwatch.db"
    shutil.copy(FIXTURE_V1, path)
    with Store(f"sqlite:///{path}", retention=KEEP_ALL) as store:
        _assert_migrated(store)
    with Store(f"sqlite:///{path}", retention=KEEP_ALL) as store:  # idempotent
        _assert_migrated(store)


V1_DDL = (
    "create table schema_version (id integer primary key, version integer not null)",
    "create table snapshots (id serial primary key, target varchar(200) not null,"
    " digest varchar(80) not null, format varchar(40) not null,"
    " taken_at timestamptz not null, last_seen timestamptz not null, tables integer not null,"
    " size integer not null, codec varchar(10) not null, body bytea not null,"
    " constraint snapshots_target_digest_key unique (target, digest))",
    "create index snapshots_target_seen_idx on snapshots (target, last_seen)",
    "create table runs (id serial primary key, target varchar(200) not null,"
    " started timestamptz not null, finished timestamptz, status varchar(20) not null,"
    " error text, snapshot_digest varchar(80), changes integer not null,"
    " security integer not null, breaking integer not null, info integer not null)",
    "create index runs_target_started_idx on runs (target, started)",
)


def test_migrates_a_version_1_postgresql_store(pg: PgServer) -> None:
    """The version 1 layout on PostgreSQL (as the previous code created it), holding the
    rows the previous code wrote to the SQLite fixture."""
    name = pg.create_db("dw_store_v1")
    try:
        url = sa_url(pg.dsn(name))
        snaps, runs = _v1_rows()
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for stmt in V1_DDL:
                conn.execute(sa.text(stmt))
            conn.execute(sa.text("insert into schema_version values (1, 1)"))
            meta = sa.MetaData()
            meta.reflect(conn)
            conn.execute(meta.tables["snapshots"].insert(), snaps)
            conn.execute(meta.tables["runs"].insert(), runs)
        engine.dispose()
        with Store(url, retention=KEEP_ALL) as store:
            _assert_migrated(store)
    finally:
        pg.drop_db(name)


def test_reading_every_object_of_a_stored_snapshot_reads_in_batches(url: str) -> None:
    snap = make_distinct(600)
    with Store(url, retention=KEEP_ALL) as store:
        store.save_snapshot("prod", snap)
        got = store.latest_snapshot("prod")
        assert got is not None
        reads: list[int] = []
        tables = got.data["tables"]
        assert isinstance(tables, ObjectGroup)
        fetch = tables._fetch
        assert fetch is not None
        tables._fetch = lambda digests: reads.append(len(digests)) or fetch(digests)
        assert got.objects == snap.objects  # decodes all 600 tables
        assert 1 < len(reads) <= 3  # in batches, not one read per table


def test_a_stored_snapshot_spliced_and_hashed_reads_its_kept_objects_in_batches(
    url: str,
) -> None:
    """What an incremental tick does with the stored snapshot: one object replaced, the
    others kept by digest; hashing the result reads their bytes in a few batches, keeps
    none of them and decodes none, and gives the digest of the same snapshot made whole."""
    snap = make_distinct(2500)
    with Store(url, retention=KEEP_ALL) as store:
        store.save_snapshot("prod", snap)
        got = store.latest_snapshot("prod")
        assert got is not None
        tables = got.data["tables"]
        assert isinstance(tables, ObjectGroup)
        reads: list[int] = []
        fetch = tables._fetch
        assert fetch is not None
        tables._fetch = lambda digests: reads.append(len(digests)) or fetch(digests)
        first = next(iter(snap.data["tables"]))
        changed = {first: {**snap.data["tables"][first], "comment": "changed"}}
        spliced = ObjectGroup.spliced(tables, {"public.gone"}, changed)
        data = {**got.data, "tables": spliced}
        digest, groups = snapmod.hashed(data)
        whole = {kind: dict(group) for kind, group in snap.data.items()}
        whole["tables"] = {**whole["tables"], **changed}
        assert digest == snapmod.digest_of(whole)
        assert len(reads) == 3 and sum(reads) == 2499  # 1,000 at a time
        assert tables.decoded() == 0 and spliced.decoded() == 1 and not spliced._canon
        assert groups["tables"].digest(first) == snapmod.digest_of(changed[first])
        # decoding an object read from the store does not keep its bytes beside it
        other = list(spliced)[1]
        assert spliced[other] == whole["tables"][other] and other not in spliced._canon
        assert spliced.canonical(other) == snapmod.canonical(whole["tables"][other])
