"""Time ``driftwatch snapshot`` against ``pg_dump --schema-only`` on the same databases.

Each command runs as a child process (interpreter start included) ``--repeat`` times; the
median wall time and the peak RSS (``wait4`` rusage) are reported, with the ratios, and the
number of queries one snapshot sends. Run by hand; databases come from gen_schema.py:

    for n in 143 1000 10000; do createdb bench_$n
      python bench/gen_schema.py --tables $n | psql -q -d bench_$n; done
    python bench/bench_snapshot.py --server postgresql://postgres@127.0.0.1:5432 \
        --db bench_143 --db bench_1000 --db bench_10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_child(argv: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[0]} failed: {err.strip()}")
    return wall, usage.ru_maxrss


def _count(dsn: str) -> tuple[int, int]:
    """(tables, queries sent) of one snapshot, taken in a child process."""
    code = (
        "import sys; from driftwatch.introspect import take_snapshot; st = {}; "
        "s = take_snapshot(sys.argv[1], stats=st); print(len(s.data['tables']), st['queries'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, dsn], check=True, capture_output=True, text=True
    )
    tables, queries = out.stdout.split()
    return int(tables), int(queries)


def measure(argv: list[str], repeat: int) -> tuple[float, int]:
    runs = [run_child(argv) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), max(r for _, r in runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    ap.add_argument("--db", action="append", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    driftwatch = [sys.executable, "-m", "driftwatch", "snapshot"]
    # Bytecode compiled first, as an installed driftwatch has it (pip compiles on install):
    # a source checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every
    # module at every start (about 20 ms).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            str(Path(__file__).resolve().parent.parent / "driftwatch"),
        ],
        check=True,
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "snap.json"
        for db in args.db:
            dsn = f"{args.server}/{db}"
            # Counted in a child: this process must stay small, because Linux carries a
            # parent's peak RSS into every child it forks (signal->maxrss survives exec),
            # which would inflate both commands' figures alike.
            tables, queries = _count(dsn)
            dw_wall, dw_rss = measure([*driftwatch, "--dsn", dsn, "-o", str(out)], args.repeat)
            pd_wall, pd_rss = measure(
                ["pg_dump", "--schema-only", "-f", os.devnull, "-d", dsn], args.repeat
            )
            rows.append((db, tables, dw_wall, pd_wall, dw_rss, pd_rss, queries, out.stat().st_size))
    print(
        "| database | tables | driftwatch s | pg_dump s | time ratio | driftwatch RSS MiB "
        "| pg_dump RSS MiB | RSS ratio | queries | snapshot MiB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for db, n, dw, pd, dr, pr, q, size in rows:
        print(
            f"| {db} | {n} | {dw:.2f} | {pd:.2f} | {dw / pd:.2f} | {dr / 1024:.0f} | "
            f"{pr / 1024:.0f} | {dr / pr:.2f} | {q} | {size / 2**20:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
