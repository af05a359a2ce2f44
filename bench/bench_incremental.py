"""Time an incremental snapshot against a full one, in-process, on one database.

Per round: a full ``take_incremental`` (which also keeps the fingerprints), one ``ALTER
TABLE … ADD COLUMN`` on a tenant table, the incremental snapshot after it, and a full
``take_snapshot`` of the same state (their digests must agree); the column is dropped
again at the end of the round, so the database's snapshot is unchanged afterwards. Run by
hand (databases from gen_schema.py):

    python bench/bench_incremental.py --dsn postgresql://postgres@127.0.0.1:5432/bench_10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import psycopg

from driftwatch.introspect import take_incremental, take_snapshot


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--table", default="public.customer_t00001")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    full_s, incr_s, first_s = [], [], []
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        for i in range(args.repeat):
            t0 = time.perf_counter()
            first, _ = take_incremental(args.dsn)
            first_s.append(time.perf_counter() - t0)
            column = f"bench_incr_{i}"
            conn.execute(f"alter table {args.table} add column {column} int")
            try:
                t0 = time.perf_counter()
                after, stats = take_incremental(args.dsn, previous=first)
                incr_s.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                full = take_snapshot(args.dsn)
                full_s.append(time.perf_counter() - t0)
                if after.digest != full.digest:
                    raise SystemExit(f"incremental {after.digest} != full {full.digest}")
                print(f"round {i + 1}: {stats}", flush=True)
            finally:
                conn.execute(f"alter table {args.table} drop column if exists {column}")
    load = os.getloadavg()
    print(
        f"full take_incremental (with fingerprints) {statistics.median(first_s):.2f} s, "
        f"incremental {statistics.median(incr_s):.2f} s, full take_snapshot "
        f"{statistics.median(full_s):.2f} s (median of {args.repeat}; load average "
        f"{load[0]:.1f} / {load[1]:.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
