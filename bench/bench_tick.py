"""Benchmark a worker tick on a big database with one change per tick (issue 20).

    createdb bench_10000
    python bench/gen_schema.py --tables 10000 | psql -q -v ON_ERROR_STOP=1 -d bench_10000
    .venv/bin/python bench/bench_tick.py --db bench_10000 [--ticks 3]

Every figure is given beside ``pg_dump --schema-only`` of the same database, timed in the
same run (median of ``--ticks``):

1. cold process per tick: after one ``ALTER TABLE … ADD COLUMN``, a new ``serve --once``
   process with its history in the store (seeded by a first, untimed tick);
2. cold process, nothing changed;
3. ``driftwatch diff a.json b.json`` of two snapshot files of the database, 4 changes apart;
4. peak RSS of those processes (``wait4``);
5. in-process steady state: ``serve`` running on a short schedule, one ``ALTER`` before
   each of its ticks; each tick's duration from its ``run.finished`` log line.

The database is changed (columns ``bench_c<N>`` are added to its tables); the columns
are dropped again at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
from bench_serve import free_port, write_config

DW = (sys.executable, "-m", "driftwatch")
TABLES = (
    "customer_t00001",
    "inventory_t00002",
    "chat_t00003",
    "awb_t00004",
    "call_t00005",
    "automation_t00006",
    "ai_t00007",
    "shopify_t00008",
)


def timed(cmd: list[str], **kw: Any) -> tuple[float, float, str]:
    """(wall s, peak RSS MiB, stderr) of a child process."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:4])}… exited {code}:\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, err


class Changer:
    """Adds one column to one of ``TABLES`` per call; drops them all in ``cleanup``."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.n = 0
        self.added: list[tuple[str, str]] = []

    def change(self) -> None:
        table = TABLES[self.n % len(TABLES)]
        col = f"bench_c{self.n}"
        self.n += 1
        self.conn.execute(f"alter table public.{table} add column {col} int")
        self.added.append((table, col))

    def cleanup(self) -> None:
        for table, col in self.added:
            self.conn.execute(f"alter table public.{table} drop column if exists {col}")
        self.conn.close()


def serve_once(cfg: Path) -> dict[str, Any]:
    wall, rss, err = timed([*DW, "serve", "--once", "--log-format", "json", "--config", str(cfg)])
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    finished = next((e for e in events if e["event"] == "run.finished"), None)
    if finished is None:
        raise SystemExit(f"serve --once logged no run.finished:\n{err[-2000:]}")
    return {"wall_s": wall, "rss_mib": rss, "log": finished}


def stages(log: dict[str, Any]) -> str:
    keys = ("snapshot_s", "store_s", "diff_s", "rules_s", "docs_s")
    parts = [f"{k[:-2]} {log[k]:.2f}" for k in keys if k in log]
    counts = ("reread", "reaudited", "rerendered")
    parts += [f"{k} {log[k]}" for k in counts if k in log]
    return ", ".join(parts)


def steady_state(cfg: Path, changer: Changer, ticks: int) -> list[dict[str, Any]]:
    """``serve`` on a 10 s schedule; an ALTER right after each finished tick."""
    proc = subprocess.Popen(
        [*DW, "serve", "--log-format", "json", "--config", str(cfg)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    runs: list[dict[str, Any]] = []
    rss: list[float] = []
    done = threading.Event()

    def watch_rss() -> None:
        while not done.is_set():
            try:
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        rss.append(int(line.split()[1]) / 1024)
            except OSError:
                return
            done.wait(0.5)

    threading.Thread(target=watch_rss, daemon=True).start()
    try:
        for line in proc.stderr:
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            if event.get("event") != "run.finished":
                continue
            runs.append(event)
            if len(runs) > ticks + 1:  # the first two: start-up and first change
                break
            changer.change()
    finally:
        done.set()
        proc.terminate()
        proc.wait(timeout=60)
    for r in runs:
        r["peak_rss_mib"] = max(rss) if rss else float("nan")
    return runs[2:]


def pg_dump(dsn: str) -> tuple[float, float]:
    wall, rss, _ = timed(["pg_dump", "--schema-only", "-f", os.devnull, dsn])
    return wall, rss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    ap.add_argument("--db", default="bench_10000")
    ap.add_argument("--ticks", type=int, default=3)
    args = ap.parse_args()
    dsn = f"{args.server}/{args.db}"
    subprocess.run([sys.executable, "-m", "compileall", "-q", "driftwatch"], check=True)
    changer = Changer(dsn)
    try:
        with tempfile.TemporaryDirectory(prefix="dw-bench-tick-") as tmp:
            state = Path(tmp) / "state"
            cfg = write_config(state, dsn, free_port(), "1h")
            seed = serve_once(cfg)  # the history and the docs of the first tick
            dumps, changed, unchanged = [], [], []
            for _ in range(args.ticks):
                dumps.append(pg_dump(dsn))
                changer.change()
                changed.append(serve_once(cfg))
                unchanged.append(serve_once(cfg))
            a, b = Path(tmp) / "a.json", Path(tmp) / "b.json"
            snap = [sys.executable, "-m", "driftwatch", "snapshot", "--dsn", dsn, "-o"]
            timed([*snap, str(a)])
            for _ in range(4):
                changer.change()
            timed([*snap, str(b)])
            diffs = [
                timed([sys.executable, "-m", "driftwatch", "diff", str(a), str(b)])[:2]
                for _ in range(args.ticks)
            ]
            steady = steady_state(
                write_config(state, dsn, free_port(), "every 10s"), changer, args.ticks
            )
            dumps.append(pg_dump(dsn))
    finally:
        changer.cleanup()

    dump_s = statistics.median(d[0] for d in dumps)
    dump_rss = statistics.median(d[1] for d in dumps)

    def row(name: str, wall: float, rss: float, detail: str) -> None:
        print(
            f"| {name} | {wall:.2f} | **{wall / dump_s:.2f}** | {rss:.0f} | "
            f"{rss / dump_rss:.2f} | {detail} |"
        )

    print(f"## one change per tick on {args.db} ({seed['log']['tables']} tables)\n")
    print(f"pg_dump --schema-only: median {dump_s:.2f} s, {dump_rss:.0f} MiB\n")
    print("| what | s | × pg_dump | peak RSS MiB | × pg_dump | stages (last) |")
    print("|---|---:|---:|---:|---:|---|")
    med = statistics.median
    for name, ticks in (
        ("cold tick, one ADD COLUMN", changed),
        ("cold tick, unchanged", unchanged),
    ):
        row(
            name,
            med(t["wall_s"] for t in ticks),
            max(t["rss_mib"] for t in ticks),
            stages(ticks[-1]["log"]),
        )
    row("diff a.json b.json (4 changes)", med(d[0] for d in diffs), max(d[1] for d in diffs), "")
    row(
        "in-process tick (serve running), one ADD COLUMN",
        med(r["duration_s"] for r in steady),
        steady[-1]["peak_rss_mib"],
        stages(steady[-1]),
    )
    print(f"\n(first tick, untimed seed: {seed['wall_s']:.1f} s, {stages(seed['log'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
