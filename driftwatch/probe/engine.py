"""Run the probe: one rolled-back transaction per tenant table, on one connection.

Per table: ``BEGIN`` → ``SET LOCAL statement_timeout/lock_timeout`` → fixture rows for
tenants A and B (privileged) → for each app role, the five attempts and four own-row
controls, each in a savepoint rolled back → ``ROLLBACK``. Between tables the connection
is idle, so no lock outlives one table's transaction.
"""

from __future__ import annotations

import fnmatch
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg

from driftwatch import config as configmod
from driftwatch import idents, model, progress
from driftwatch.errors import TargetUnreachable
from driftwatch.probe import attacks, pgtap, repro
from driftwatch.probe.candidates import CandidateFactory
from driftwatch.probe.claims import build_claims, claim_path, extra_claims
from driftwatch.probe.fixture import FixtureBuilder
from driftwatch.probe.graph import TenancyModel, Undecided
from driftwatch.probe.results import (
    BLOCKED,
    COMMANDS,
    CONTROLS,
    ERROR,
    ISOLATED,
    LEAKED,
    SKIPPED,
    UNDECIDED,
    Attempt,
    ProbeReport,
    TableResult,
)
from driftwatch.probe.session import assert_idle, connect, execute, rolled_back

_NS = uuid.UUID("5b0e3f4e-4d1c-4b8e-9a57-64726966747a")  # driftwatch probe namespace


@dataclass(frozen=True)
class ProbeOptions:
    tables: tuple[str, ...] = ()  # include globs on schema.table or table; empty = all
    exclude_tables: tuple[str, ...] = ()
    statement_timeout_ms: int = 5000
    lock_timeout_ms: int = 1000
    blind_max_rows: int = 10_000
    claim_path: str | None = None
    claims: str = "{}"
    target: str | None = None
    on_table_done: Callable[[TableResult], None] | None = None
    emit_pgtap: bool = False  # keep each table's attacks as a pgTAP file (TableResult.pgtap)

    @classmethod
    def from_config(
        cls,
        cfg: configmod.Config,
        *,
        tables: Sequence[str] = (),
        exclude_tables: Sequence[str] = (),
        target: str | None = None,
        on_table_done: Callable[[TableResult], None] | None = None,
        emit_pgtap: bool = False,
    ) -> ProbeOptions:
        return cls(
            tables=tuple(tables),
            exclude_tables=tuple(exclude_tables) + tuple(cfg.probe.exclude_tables),
            statement_timeout_ms=cfg.probe.statement_timeout_ms,
            lock_timeout_ms=cfg.probe.lock_timeout_ms,
            blind_max_rows=cfg.probe.blind_max_rows,
            claim_path=cfg.probe.claim_path,
            claims=cfg.probe.claims,
            target=target,
            on_table_done=on_table_done,
            emit_pgtap=emit_pgtap,
        )


def _matches(key: str, globs: Sequence[str]) -> bool:
    name = idents.split_key(key)[1]
    return any(fnmatch.fnmatchcase(key, g) or fnmatch.fnmatchcase(name, g) for g in globs)


def tenant_id(key: str, label: str) -> str:
    return str(uuid.uuid5(_NS, f"{key}/{label}"))


class Prober:
    def __init__(
        self,
        conn: psycopg.Connection[Any],
        snapshot: model.Snapshot,
        cfg: configmod.Config,
        options: ProbeOptions,
        roles: tuple[str, ...],
    ) -> None:
        self.conn = conn
        self.snapshot = snapshot
        self.tables = snapshot.objects.tables
        self.options = options
        self.roles = roles
        self.tenancy = TenancyModel(snapshot, cfg)
        self.path = claim_path(cfg.tenancy.claim, options.claim_path)
        self.extra = extra_claims(options.claims)
        self.builder = FixtureBuilder(
            conn, snapshot, self.tenancy, CandidateFactory(snapshot), valid_cache={}
        )

    def selection(self) -> list[str]:
        return [
            k
            for k in sorted(self.tenancy.links)
            if not self.options.tables or _matches(k, self.options.tables)
        ]

    def skip_reason(self, key: str) -> str | None:
        table = self.tables[key]
        if self.options.exclude_tables and _matches(key, self.options.exclude_tables):
            return "excluded by --exclude-tables / [probe] exclude_tables"
        if table.partition_of:
            return f"partition of {table.partition_of}: probed through its parent"
        if table.kind == "foreign":
            return "foreign table: rows live on another server"
        return None

    def probe_table(self, key: str) -> TableResult:
        link = self.tenancy.links[key].describe()
        reason = self.skip_reason(key)
        if reason:
            return TableResult(key, SKIPPED, link, reason)
        table = self.tables[key]
        tenants = {"A": tenant_id(key, "A"), "B": tenant_id(key, "B")}
        attempts: list[Attempt] = []
        controls: dict[str, dict[str, int]] = {}
        repros: dict[str, str] = {}
        tap = ""
        opts = self.options
        try:
            with rolled_back(self.conn):
                execute(
                    self.conn, f"SET LOCAL statement_timeout = {int(opts.statement_timeout_ms)}"
                )
                execute(self.conn, f"SET LOCAL lock_timeout = {int(opts.lock_timeout_ms)}")
                fx = self.builder.build(key, tenants)
                st = attacks.statements(key, table, fx, self.tenancy)
                role_claims: list[tuple[str, dict[str, Any]]] = []
                for role in self.roles:
                    claims = build_claims(
                        self.path,
                        tenants["B"],
                        tenants["A"],
                        role,
                        attacks.fresh_sub(tenants["B"], role),
                        self.extra,
                    )
                    role_claims.append((role, claims))
                    for cmd in COMMANDS:
                        stmt = st.attack[cmd]
                        if not stmt:
                            continue
                        rows, err = attacks.run(
                            self.conn, role, claims, stmt, st.prep.get(cmd), cmd == "select"
                        )
                        att = attacks.classify(role, cmd, stmt, rows, err)
                        shown = st.shown[cmd]
                        if (
                            cmd == "move"
                            and att.status == BLOCKED
                            and "move-blind" in st.attack
                            and attacks.estimated_rows(self.conn, key) <= opts.blind_max_rows
                        ):
                            rows, err = attacks.run_blind(
                                self.conn,
                                role,
                                claims,
                                st.attack["move-blind"],
                                st.prep["move-blind"],
                                st.attack["move-blind-check"],
                            )
                            blind = attacks.classify(role, cmd, st.attack["move-blind"], rows, err)
                            if blind.status == LEAKED:
                                att = replace(
                                    blind,
                                    detail="UPDATE without WHERE (no SELECT policy applies to it)",
                                )
                                shown = st.shown["move-blind"]
                        attempts.append(att)
                        if att.status == LEAKED:
                            repros[f"{role}:{cmd}"] = repro.script(
                                key=key,
                                tables=self.tables,
                                fx=fx,
                                role=role,
                                command=cmd,
                                claims=claims,
                                statement=shown,
                                prep_skips_a_row=cmd in st.prep,
                                statement_timeout_ms=opts.statement_timeout_ms,
                                lock_timeout_ms=opts.lock_timeout_ms,
                            )
                    controls[role] = {}
                    for cmd in CONTROLS:
                        rows, err = attacks.run(
                            self.conn,
                            role,
                            claims,
                            st.control[cmd],
                            st.control_prep.get(cmd),
                            cmd == "select",
                        )
                        controls[role][cmd] = rows or 0
                if opts.emit_pgtap:
                    tap = pgtap.test_file(
                        key=key,
                        tables=self.tables,
                        fx=fx,
                        st=st,
                        claims=role_claims,
                        commands=COMMANDS,
                        statement_timeout_ms=opts.statement_timeout_ms,
                        lock_timeout_ms=opts.lock_timeout_ms,
                    )
        except Undecided as exc:
            return TableResult(key, UNDECIDED, link, str(exc))
        except psycopg.Error as exc:
            if self.conn.closed:
                raise TargetUnreachable(f"connection lost while probing {key}") from None
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return TableResult(key, UNDECIDED, link, f"{exc.sqlstate or '?'} {first}")
        assert_idle(self.conn)
        return replace(_verdict(key, link, attempts, controls, repros), pgtap=tap)


def _verdict(
    key: str,
    link: str,
    attempts: list[Attempt],
    controls: dict[str, dict[str, int]],
    repros: dict[str, str],
) -> TableResult:
    notes = []
    for role, ctl in controls.items():
        cannot = [c for c in CONTROLS if ctl.get(c, 0) == 0]
        if cannot:
            notes.append(
                f"{role}: tenant B cannot {'/'.join(cannot)} its own row either,"
                " so 'blocked' there does not by itself show tenant scoping"
            )
    if any(a.status == LEAKED for a in attempts):
        status, reason = LEAKED, ""
    elif any(a.status == ERROR for a in attempts):
        errs = [f"{a.role} {a.command}: {a.detail}" for a in attempts if a.status == ERROR]
        status, reason = UNDECIDED, "; ".join(errs)
    else:
        status, reason = ISOLATED, ""
    return TableResult(key, status, link, reason, tuple(attempts), controls, repros, tuple(notes))


def existing_roles(conn: psycopg.Connection[Any], wanted: Sequence[str]) -> tuple[str, ...]:
    rows = conn.execute(
        "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY(%s)", (list(wanted),)
    ).fetchall()
    have = {r[0] for r in rows}
    return tuple(r for r in wanted if r in have)


def run_probe(
    dsn: str,
    snapshot: model.Snapshot,
    cfg: configmod.Config,
    options: ProbeOptions | None = None,
) -> ProbeReport:
    """Probe every selected tenant table of the database at ``dsn``."""
    options = options or ProbeOptions.from_config(cfg)
    started = time.monotonic()
    conn = connect(dsn)
    try:
        roles = existing_roles(conn, cfg.tenancy.app_roles)
        prober = Prober(conn, snapshot, cfg, options, roles)
        results: list[TableResult] = []
        selection = list(prober.selection())
        with progress.bar("probe", total=len(selection), unit="table") as bar:
            for key in selection:
                result = prober.probe_table(key)
                assert_idle(conn)
                results.append(result)
                bar.update()
                if options.on_table_done is not None:
                    options.on_table_done(result)
        return ProbeReport(
            target=options.target,
            database=snapshot.meta.database,
            roles=roles,
            claim_path=prober.path,
            tables=tuple(results),
            elapsed_s=round(time.monotonic() - started, 3),
        )
    finally:
        conn.close()
