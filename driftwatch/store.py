"""History store: snapshots and runs, in SQLite (default) or PostgreSQL, via SQLAlchemy Core.

``Store(url, retention=...)`` (or ``Store.from_config(cfg)``) keeps, per target, the
snapshots seen (``save_snapshot``; ``latest_snapshot``, ``previous_snapshot``,
``get_snapshot``, ``snapshots``) and the runs of the worker (``record_run``, ``runs``);
``prune`` applies the retention.

Tables (created, and migrated, by the program on first use; ``schema_version`` says which
layout a store has):

* ``objects``: content-addressed, shared by every target: digest (sha256 of the canonical
  JSON) → zlib of that JSON. One row per top-level object (a table with its columns,
  policies..., a function, a schema...) and per *page* of a manifest.
* ``snapshots``: one row per (target, digest): format, taken_at, last_seen, tables, size
  (canonical JSON bytes), meta (JSON), codec ``manifest`` and body = zlib of the manifest:
  for each kind of object the digests of its pages. A page is the canonical JSON of
  ``{key: object digest}`` for a run of keys, cut where a key's CRC-32 says so (about 32
  keys a page), so adding or changing one object changes one page. Storing a snapshot with
  one change writes the changed object, one page and a small manifest; reading one reads
  the manifest and its pages, and each object's JSON only when it is used
  (``ObjectGroup``). An unchanged schema adds a run, not a body.
* ``runs``: target, started, finished, status, error, snapshot digest, change counts.

Retention deletes snapshot rows, then the objects and pages no remaining manifest reaches.
Version 1 stores (one zlib body of the whole canonical JSON per snapshot) are migrated in
place on first use.

Concurrency: PostgreSQL writers serialise the schema set-up with an advisory lock, store
objects with ``INSERT … ON CONFLICT DO NOTHING`` under a shared advisory lock that the
collection of unreferenced objects takes exclusively; SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` write
transactions and a busy timeout. Every failure is a one-line :class:`StoreError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url

from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.dsn import redact
from driftwatch.errors import DriftwatchError, StoreError
from driftwatch.objectgroup import ObjectGroup, digest_bytes

if TYPE_CHECKING:
    from driftwatch.config import Config

SCHEMA_VERSION = 2
CODEC = "manifest"  # body: zlib of {"pages": {kind: [page digest, ...]}}
_V1_CODEC = "zlib"  # version 1 body: zlib of the whole canonical JSON document
_LOCK_KEY = 0x64726966  # "drif": advisory lock id for schema set-up on PostgreSQL
_GC_KEY = 0x64726967  # shared by writers of objects, exclusive for their collection
PAGE_SPLIT = 32  # a page ends after a key whose CRC-32 is divisible by this
_CHUNK = 500  # digests per IN (...) query
_SQLITE_SETUP_LOCK = threading.Lock()
_SQLITE_SETUP_ATTEMPTS = 20  # about 10 s of retries in all

metadata = sa.MetaData()
schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)
snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("digest", sa.String(80), nullable=False),
    sa.Column("format", sa.String(40), nullable=False),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("tables", sa.Integer, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("codec", sa.String(10), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),  # manifest, or (v1) the document
    sa.Column("meta", sa.Text),  # version 2: the latest meta seen with this digest
    sa.UniqueConstraint("target", "digest", name="snapshots_target_digest_key"),
    sa.Index("snapshots_target_seen_idx", "target", "last_seen"),
)
runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("started", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("snapshot_digest", sa.String(80)),
    sa.Column("changes", sa.Integer, nullable=False, default=0),
    sa.Column("security", sa.Integer, nullable=False, default=0),
    sa.Column("breaking", sa.Integer, nullable=False, default=0),
    sa.Column("info", sa.Integer, nullable=False, default=0),
    sa.Index("runs_target_started_idx", "target", "started"),
)
objects = sa.Table(
    "objects",
    metadata,
    sa.Column("digest", sa.String(80), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),  # canonical JSON bytes
    sa.Column("body", sa.LargeBinary, nullable=False),  # zlib of the canonical JSON
)


@dataclass(frozen=True)
class Retention:
    """Keep at most ``keep_*`` rows per target and none older than ``max_age_days``
    (0 disables a limit). The most recent snapshot of a target is always kept."""

    keep_snapshots: int = 500
    keep_runs: int = 5000
    max_age_days: int = 90


@dataclass(frozen=True)
class SnapshotInfo:
    target: str
    digest: str
    taken_at: dt.datetime
    last_seen: dt.datetime
    tables: int
    size: int  # canonical JSON bytes
    stored_size: int  # compressed bytes


@dataclass(frozen=True)
class Run:
    id: int
    target: str
    started: dt.datetime
    finished: dt.datetime | None
    status: str
    error: str | None
    digest: str | None
    counts: Mapping[str, int] = field(default_factory=dict)  # total, security, breaking, info


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _parse_time(text: str) -> dt.datetime:
    try:
        return _utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00"))) or _now()
    except ValueError:
        return _now()


def normalize_url(url: str) -> str:
    """``postgresql://`` / ``postgres://`` → the psycopg 3 driver; anything else as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Store:
    def __init__(self, url: str, *, retention: Retention | None = None) -> None:
        self.url = normalize_url(url)
        self.retention = retention or Retention()
        self._ready = False
        try:
            parsed = make_url(self.url)
        except sa.exc.ArgumentError:
            raise StoreError(f"invalid store URL {redact(url)!r}") from None
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported store {redact(url)!r}: use sqlite:/// or postgresql://")
        with self._errors("open"):
            if self.dialect == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                self.engine: Engine = sa.create_engine(self.url, connect_args={"timeout": 30})
                self._sqlite_setup()
            else:
                self.engine = sa.create_engine(
                    self.url, pool_pre_ping=True, connect_args={"connect_timeout": 10}
                )

    @classmethod
    def from_config(cls, cfg: Config) -> Store:
        """The store of a config: ``store_url`` (default sqlite under ``state_dir``) and the
        ``[store]`` retention settings."""
        st = cfg.store
        return cls(
            cfg.effective_store_url,
            retention=Retention(st.keep_snapshots, st.keep_runs, st.max_age_days),
        )

    # ------------------------------------------------------------------ plumbing

    def _sqlite_setup(self) -> None:
        @sa.event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @sa.event.listens_for(self.engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except DriftwatchError:
            raise
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            detail = getattr(exc, "orig", None) or exc
            first = (
                str(detail).strip().splitlines()[0] if str(detail).strip() else type(exc).__name__
            )
            raise StoreError(
                f"history store ({redact(self._where())}): cannot {action}: {redact(first)}"
            ) from None

    def _where(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextlib.contextmanager
    def _tx(self, action: str) -> Iterator[Connection]:
        self._ensure_schema()
        with self._errors(action), self.engine.begin() as conn:
            yield conn

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        if self.dialect != "sqlite":
            self._set_up_schema()
            return
        # SQLite: the first writers of a new file also switch it to WAL, which needs the
        # file to themselves; SQLite answers "database is locked" at once, without waiting,
        # where waiting could deadlock. Threads of this process take turns; other
        # processes are retried for a while.
        with _SQLITE_SETUP_LOCK:
            for attempt in range(_SQLITE_SETUP_ATTEMPTS):
                try:
                    self._set_up_schema()
                    return
                except StoreError as exc:
                    if "database is locked" not in exc.message:
                        raise
                    if attempt == _SQLITE_SETUP_ATTEMPTS - 1:
                        raise
                    self.engine.dispose()
                    time.sleep(0.05 * (attempt + 1))

    def _set_up_schema(self) -> None:
        with self._errors("set up its schema"), self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("select pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            metadata.create_all(conn, checkfirst=True)
            version = conn.execute(sa.select(schema_version.c.version)).scalar()
            if version is None:
                conn.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION))
            elif version > SCHEMA_VERSION:
                raise StoreError(
                    f"history store schema version {version} is newer than this driftwatch "
                    f"understands ({SCHEMA_VERSION}); upgrade driftwatch"
                )
            elif version < SCHEMA_VERSION:
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    MIGRATIONS[v](self, conn)
                conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
        self._ready = True

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ snapshots

    def save_snapshot(self, target: str, snap: model.Snapshot) -> bool:
        """Store ``snap`` for ``target``; an already stored digest only updates ``last_seen``
        (and the meta, whose catalog fingerprint a later tick compares). Writes only the
        objects and pages the store does not hold yet."""
        seen = _parse_time(snap.meta.taken_at)
        meta = orjson.dumps(model.to_data(snap.meta), option=orjson.OPT_SORT_KEYS).decode()
        with self._tx("save a snapshot") as conn:
            exists = conn.execute(
                sa.select(snapshots.c.id, snapshots.c.last_seen).where(
                    snapshots.c.target == target, snapshots.c.digest == snap.digest
                )
            ).first()
            if exists is not None:
                if (_utc(exists.last_seen) or seen) < seen:
                    conn.execute(
                        snapshots.update()
                        .where(snapshots.c.id == exists.id)
                        .values(last_seen=seen, meta=meta)
                    )
                return False
            self._lock_objects(conn, shared=True)
            manifest, size = self._put_objects(conn, _groups(snap.data))
            values = {
                "target": target,
                "digest": snap.digest,
                "format": snapmod.FORMAT,
                "taken_at": seen,
                "last_seen": seen,
                "tables": len(snap.data.get("tables") or {}),
                "size": size,
                "codec": CODEC,
                "body": zlib.compress(orjson.dumps({"pages": manifest}), 6),
                "meta": meta,
            }
            if self.dialect == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                pg_stmt = pg_insert(snapshots).values(**values)
                pg_stmt = pg_stmt.on_conflict_do_update(
                    constraint="snapshots_target_digest_key",
                    set_={"last_seen": pg_stmt.excluded.last_seen},
                )
                conn.execute(pg_stmt)
            else:
                from sqlalchemy.dialects.sqlite import insert as lite_insert

                lite_stmt = lite_insert(snapshots).values(**values)
                lite_stmt = lite_stmt.on_conflict_do_update(
                    index_elements=["target", "digest"],
                    set_={"last_seen": lite_stmt.excluded.last_seen},
                )
                conn.execute(lite_stmt)
            return True

    # ------------------------------------------------------------------ objects

    def _lock_objects(self, conn: Connection, *, shared: bool) -> None:
        """Writers of objects exclude their collection (SQLite: BEGIN IMMEDIATE does)."""
        if self.dialect == "postgresql":
            fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            conn.execute(sa.text(f"select {fn}(:k)"), {"k": _GC_KEY})

    def _put_objects(
        self, conn: Connection, groups: Mapping[str, ObjectGroup]
    ) -> tuple[dict[str, list[str]], int]:
        """Write the pages and objects of ``groups`` the store lacks; returns the manifest
        (kind → page digests) and the size of the snapshot's canonical JSON."""
        manifest: dict[str, list[str]] = {}
        pages: dict[str, tuple[bytes, ObjectGroup, list[str]]] = {}
        size = 2  # the braces of the whole tree
        for i, kind in enumerate(sorted(groups)):
            group = groups[kind]
            manifest[kind] = []
            size += len(kind) + 5 + (1 if i else 0)  # "kind":{} and a comma
            for keys in _paginate(group):
                body = orjson.dumps(
                    {k: [group.digest(k), group.size(k)] for k in keys},
                    option=orjson.OPT_SORT_KEYS,
                )
                digest = digest_bytes(body)
                manifest[kind].append(digest)
                pages[digest] = (body, group, keys)
        new_pages = set(pages) - self._present(conn, pages)
        wanted: dict[str, tuple[ObjectGroup, str]] = {}
        for digest in new_pages:
            _, group, keys = pages[digest]
            for k in keys:
                wanted.setdefault(group.digest(k), (group, k))
        new_objects = set(wanted) - self._present(conn, wanted)
        rows = [_object_row(d, wanted[d][0].canonical(wanted[d][1])) for d in sorted(new_objects)]
        rows += [_object_row(d, pages[d][0]) for d in sorted(new_pages)]
        self._insert_objects(conn, rows)
        for kind in groups:
            group = groups[kind]
            # "key":value, per object, with the commas between them
            size += sum(len(orjson.dumps(k)) + 1 + group.size(k) for k in group)
            size += max(len(group) - 1, 0)
        return manifest, size

    def _present(self, conn: Connection, digests: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(digests)):
            found.update(
                r[0]
                for r in conn.execute(
                    sa.select(objects.c.digest).where(objects.c.digest.in_(chunk))
                )
            )
        return found

    def _insert_objects(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt: Any = pg_insert(objects).on_conflict_do_nothing(index_elements=["digest"])
        else:
            from sqlalchemy.dialects.sqlite import insert as lite_insert

            stmt = lite_insert(objects).on_conflict_do_nothing(index_elements=["digest"])
        for i in range(0, len(rows), _CHUNK):
            conn.execute(stmt, rows[i : i + _CHUNK])

    def _read_objects(
        self, conn: Connection, digests: Iterable[str], where: str
    ) -> dict[str, bytes]:
        """digest → canonical JSON, each checked against its digest."""
        out: dict[str, bytes] = {}
        for chunk in _chunks(sorted(set(digests))):
            q = sa.select(objects.c.digest, objects.c.body).where(objects.c.digest.in_(chunk))
            for digest, body in conn.execute(q):
                try:
                    raw = zlib.decompress(body)
                except zlib.error:
                    raw = b""
                if digest_bytes(raw) != digest:
                    raise StoreError(f"{where}: stored object {digest[:19]}… is corrupt")
                out[digest] = raw
        missing = set(digests) - out.keys()
        if missing:
            raise StoreError(f"{where}: stored object {min(missing)[:19]}… is missing")
        return out

    def _fetcher(self, where: str) -> Callable[[list[str]], Mapping[str, bytes]]:
        def fetch(digests: list[str]) -> Mapping[str, bytes]:
            with self._tx("read stored objects") as conn:
                return self._read_objects(conn, digests, where)

        return fetch

    def _load(self, row: Any, target: str) -> model.Snapshot:
        where = f"stored snapshot {row.digest[:19]}… of {target!r}"
        if row.codec != CODEC:
            raise StoreError(f"{where}: unknown codec {row.codec!r}")
        try:
            manifest = orjson.loads(zlib.decompress(row.body))["pages"]
            meta = model.from_data(model.Meta, orjson.loads(row.meta))
            assert isinstance(manifest, dict)
        except (zlib.error, orjson.JSONDecodeError, KeyError, TypeError, AssertionError):
            raise StoreError(f"{where} is corrupt") from None
        with self._tx("read a snapshot") as conn:
            pages = self._read_objects(conn, (d for ds in manifest.values() for d in ds), where)
        data: dict[str, ObjectGroup] = {}
        fetch = self._fetcher(where)
        for kind, page_digests in manifest.items():
            digests: dict[str, str] = {}
            sizes: dict[str, int] = {}
            for d in page_digests:
                for key, (digest, size) in orjson.loads(pages[d]).items():
                    digests[key] = digest
                    sizes[key] = size
            data[kind] = ObjectGroup(digests, digests=digests, sizes=sizes, fetch=fetch)
        return model.Snapshot(meta, digest=row.digest, data=data)

    def _nth_latest(self, target: str, exclude: str | None) -> model.Snapshot | None:
        c = snapshots.c
        q = sa.select(c.digest, c.codec, c.body, c.meta).where(c.target == target)
        if exclude is not None:
            q = q.where(c.digest != exclude)
        q = q.order_by(c.last_seen.desc(), c.id.desc()).limit(1)
        with self._tx("read a snapshot") as conn:
            row = conn.execute(q).first()
        return None if row is None else self._load(row, target)

    def latest_snapshot(self, target: str) -> model.Snapshot | None:
        return self._nth_latest(target, None)

    def previous_snapshot(self, target: str, digest: str | None = None) -> model.Snapshot | None:
        """The most recently seen snapshot of ``target`` other than ``digest`` (default: other
        than the latest one) — what the schema looked like before its last change."""
        if digest is None:
            with self._tx("read a snapshot") as conn:
                digest = conn.execute(
                    sa.select(snapshots.c.digest)
                    .where(snapshots.c.target == target)
                    .order_by(snapshots.c.last_seen.desc(), snapshots.c.id.desc())
                    .limit(1)
                ).scalar()
            if digest is None:
                return None
        return self._nth_latest(target, digest)

    def get_snapshot(self, target: str, digest: str) -> model.Snapshot | None:
        c = snapshots.c
        q = sa.select(c.digest, c.codec, c.body, c.meta).where(
            c.target == target, c.digest == digest
        )
        with self._tx("read a snapshot") as conn:
            row = conn.execute(q).first()
        return None if row is None else self._load(row, target)

    def snapshots(self, target: str, limit: int = 50) -> list[SnapshotInfo]:
        c = snapshots.c
        q = (
            sa.select(
                c.target,
                c.digest,
                c.taken_at,
                c.last_seen,
                c.tables,
                c.size,
                sa.func.length(c.body).label("stored"),
            )
            .where(c.target == target)
            .order_by(c.last_seen.desc(), c.id.desc())
            .limit(limit)
        )
        with self._tx("list snapshots") as conn:
            rows = conn.execute(q).all()
        return [
            SnapshotInfo(
                r.target,
                r.digest,
                _utc(r.taken_at) or _now(),
                _utc(r.last_seen) or _now(),
                r.tables,
                r.size,
                r.stored,
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ runs

    def record_run(
        self,
        target: str,
        *,
        started: dt.datetime,
        finished: dt.datetime | None = None,
        status: str = "ok",
        error: str | None = None,
        digest: str | None = None,
        counts: Mapping[str, int] | None = None,
    ) -> int:
        """Record one snapshot run (and apply retention to ``target``); returns its id."""
        counts = counts or {}
        values = {
            "target": target,
            "started": _utc(started),
            "finished": _utc(finished),
            "status": status,
            "error": " ".join(error.split())[:2000] if error else None,
            "snapshot_digest": digest,
            "changes": int(counts.get("total", 0)),
            "security": int(counts.get("security", 0)),
            "breaking": int(counts.get("breaking", 0)),
            "info": int(counts.get("info", 0)),
        }
        with self._tx("record a run") as conn:
            key = conn.execute(runs.insert().values(**values)).inserted_primary_key
            run_id = int(key[0]) if key is not None else 0
        self.prune(target)
        return run_id

    def runs(self, target: str | None = None, limit: int = 50) -> list[Run]:
        q = sa.select(runs)
        if target is not None:
            q = q.where(runs.c.target == target)
        q = q.order_by(runs.c.started.desc(), runs.c.id.desc()).limit(limit)
        with self._tx("list runs") as conn:
            rows = conn.execute(q).all()
        return [
            Run(
                id=r.id,
                target=r.target,
                started=_utc(r.started) or _now(),
                finished=_utc(r.finished),
                status=r.status,
                error=r.error,
                digest=r.snapshot_digest,
                counts={
                    "total": r.changes,
                    "security": r.security,
                    "breaking": r.breaking,
                    "info": r.info,
                },
            )
            for r in rows
        ]

    def targets(self) -> list[str]:
        q = sa.union(sa.select(snapshots.c.target), sa.select(runs.c.target))
        with self._tx("list targets") as conn:
            return sorted(r[0] for r in conn.execute(q))

    # ------------------------------------------------------------------ retention

    def prune(self, target: str, *, now: dt.datetime | None = None) -> tuple[int, int]:
        """Apply the retention policy to ``target``; returns (snapshots, runs) deleted."""
        r = self.retention
        now = now or _now()
        cutoff = now - dt.timedelta(days=r.max_age_days) if r.max_age_days > 0 else None
        with self._tx("apply retention") as conn:
            s = self._prune_table(
                conn,
                snapshots,
                snapshots.c.last_seen,
                target,
                r.keep_snapshots,
                cutoff,
                keep_latest=True,
            )
            n = self._prune_table(
                conn, runs, runs.c.started, target, r.keep_runs, cutoff, keep_latest=False
            )
            if s:
                self.collect(conn)
        return s, n

    def collect(self, conn: Connection | None = None) -> int:
        """Delete the objects and pages no snapshot's manifest reaches; returns how many."""
        if conn is None:
            with self._tx("collect unreferenced objects") as own:
                return self.collect(own)
        self._lock_objects(conn, shared=False)
        live: set[str] = set()
        for (body,) in conn.execute(sa.select(snapshots.c.body).where(snapshots.c.codec == CODEC)):
            try:
                manifest = orjson.loads(zlib.decompress(body))["pages"]
            except (zlib.error, orjson.JSONDecodeError, KeyError, TypeError):
                return 0  # a corrupt manifest: keep everything rather than guess
            for page_digests in manifest.values():
                live.update(page_digests)
        pages = self._read_objects(conn, live, "retention")
        for page in pages.values():
            live.update(entry[0] for entry in orjson.loads(page).values())
        doomed = [r[0] for r in conn.execute(sa.select(objects.c.digest)) if r[0] not in live]
        for chunk in _chunks(doomed):
            conn.execute(objects.delete().where(objects.c.digest.in_(chunk)))
        return len(doomed)

    @staticmethod
    def _prune_table(
        conn: Connection,
        table: sa.Table,
        when: sa.Column[Any],
        target: str,
        keep: int,
        cutoff: dt.datetime | None,
        *,
        keep_latest: bool,
    ) -> int:
        ordered = (
            sa.select(table.c.id)
            .where(table.c.target == target)
            .order_by(when.desc(), table.c.id.desc())
        )
        doomed: set[int] = set()
        if keep > 0:
            doomed |= {row[0] for row in conn.execute(ordered.offset(keep))}
        if cutoff is not None:
            doomed |= {
                row[0]
                for row in conn.execute(
                    sa.select(table.c.id).where(table.c.target == target, when < cutoff)
                )
            }
        if keep_latest and doomed:
            latest = conn.execute(ordered.limit(1)).scalar()
            doomed.discard(int(latest or 0))
        if not doomed:
            return 0
        ids = sorted(doomed)
        for i in range(0, len(ids), 500):
            conn.execute(table.delete().where(table.c.id.in_(ids[i : i + 500])))
        return len(ids)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _object_row(digest: str, canonical: bytes) -> dict[str, Any]:
    return {"digest": digest, "size": len(canonical), "body": zlib.compress(canonical, 6)}


def _paginate(group: Mapping[str, Any]) -> Iterator[list[str]]:
    """The sorted keys of a kind, cut into pages after each key whose CRC-32 is divisible
    by ``PAGE_SPLIT``: where a page ends depends on its keys only, so one added, removed
    or changed object changes one page (two when its key ends a page)."""
    page: list[str] = []
    for key in sorted(group):
        page.append(key)
        if zlib.crc32(key.encode()) % PAGE_SPLIT == 0:
            yield page
            page = []
    if page:
        yield page


def _groups(data: Mapping[str, Any]) -> dict[str, ObjectGroup]:
    """Every kind of ``data`` (whatever kinds the model has) as an ``ObjectGroup``."""
    return {
        kind: group if isinstance(group, ObjectGroup) else ObjectGroup(group, values=group)
        for kind, group in data.items()
    }


def _migrate_v2(store: Store, conn: Connection) -> None:
    """Version 1 → 2: each snapshot's whole-document body becomes objects, pages and a
    manifest (one snapshot in memory at a time); its meta moves to the ``meta`` column."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns("snapshots")}
    if "meta" not in columns:
        conn.execute(sa.text("alter table snapshots add column meta text"))
    store._lock_objects(conn, shared=False)
    ids = [
        r[0] for r in conn.execute(sa.select(snapshots.c.id).where(snapshots.c.codec == _V1_CODEC))
    ]
    for row_id in ids:
        row = conn.execute(
            sa.select(snapshots.c.digest, snapshots.c.target, snapshots.c.body).where(
                snapshots.c.id == row_id
            )
        ).one()
        where = f"stored snapshot {row.digest[:19]}… of {row.target!r}"
        try:
            doc = orjson.loads(zlib.decompress(row.body))
            data, meta = doc["objects"], doc["meta"]
        except (zlib.error, orjson.JSONDecodeError, KeyError, TypeError):
            raise StoreError(f"{where} is corrupt: cannot migrate the store") from None
        if snapmod.digest_of(data) != row.digest:
            raise StoreError(f"{where} is corrupt (digest mismatch): cannot migrate the store")
        digest = row.digest
        if doc.get("format") == snapmod.V1_FORMAT:  # keys re-quoted as snapshot files are
            data = snapmod.upgrade_v1(data)
            digest = snapmod.digest_of(data)
        manifest, _ = store._put_objects(conn, _groups(data))
        conn.execute(
            snapshots.update()
            .where(snapshots.c.id == row_id)
            .values(
                digest=digest,
                codec=CODEC,
                body=zlib.compress(orjson.dumps({"pages": manifest}), 6),
                meta=orjson.dumps(meta, option=orjson.OPT_SORT_KEYS).decode(),
            )
        )
        if digest != row.digest:  # the runs that recorded it follow
            conn.execute(
                runs.update()
                .where(runs.c.target == row.target, runs.c.snapshot_digest == row.digest)
                .values(snapshot_digest=digest)
            )


# version → the step that brings a store from the previous version to it
MIGRATIONS: dict[int, Callable[[Store, Connection], None]] = {2: _migrate_v2}
