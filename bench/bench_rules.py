"""Time ``driftwatch check`` (snapshot + rules) against ``pg_dump --schema-only``, and the
rules alone, on the same database in the same run. Run by hand:

    createdb bench_10000
    python bench/gen_schema.py --tables 10000 | psql -q -v ON_ERROR_STOP=1 -d bench_10000
    python bench/bench_rules.py --dsn postgresql://postgres@127.0.0.1:5432/bench_10000

``check`` and ``pg_dump`` run as child processes (interpreter start included), each
``--repeat`` times, median reported. The rules alone run in this process on a snapshot
already in memory: the pglast parse cache is cleared before every run, so each run pays
for parsing as a cold ``check`` does.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import driftwatch
from driftwatch import sqlexpr


def wall(argv: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):  # check exits 1 when it has findings
        raise SystemExit(f"{argv[0]} failed: {proc.stderr.decode().strip()}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    dump = statistics.median(
        wall(["pg_dump", "--schema-only", "--dbname", args.dsn]) for _ in range(args.repeat)
    )
    check = statistics.median(
        wall([sys.executable, "-m", "driftwatch", "check", "--dsn", args.dsn, "--format", "json"])
        for _ in range(args.repeat)
    )
    snap = driftwatch.take(args.dsn)
    cfg = driftwatch.Config()
    times, cpu = [], []
    findings = 0
    for _ in range(args.repeat):
        sqlexpr.parse_expr.cache_clear()
        t0, c0 = time.perf_counter(), time.process_time()
        findings = len(driftwatch.audit(snap, cfg).findings)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tables = len(snap.objects.tables)
    print(f"tables: {tables}, findings: {findings}")
    print(f"pg_dump --schema-only: {dump:.2f} s (median of {args.repeat})")
    print(f"driftwatch check:      {check:.2f} s  = {check / dump:.2f} x pg_dump")
    print(
        f"rules alone:           {min(times):.3f} s best, {statistics.median(times):.3f} s median"
        f" (CPU {min(cpu):.3f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
