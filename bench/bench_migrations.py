"""Migration replay time: the Nexus folder and a generated 100-file folder, cold (throwaway
server start included, no cache) and cached (the worker-tick case).

    .venv/bin/python bench/bench_migrations.py [--server embedded|local] [--scratch-url URL]

Run by hand; prints a Markdown table for bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from driftwatch.migrations.replay import replay  # noqa: E402

NEXUS = REPO / "tests" / "fixtures" / "migrations" / "nexus"


def generate(folder: Path, files: int = 100) -> Path:
    """``files`` Supabase-style migrations: a tenant table each, then ALTERs of earlier ones."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "20240101000000_orgs.sql").write_text(
        "create table public.orgs (id uuid primary key default gen_random_uuid(), name text not null);\n"
        "alter table public.orgs enable row level security;\n"
    )
    for i in range(1, files):
        t = f"public.t{i:03d}"
        sql = [
            f"create table {t} (id bigint generated always as identity primary key,\n"
            "  organization_id uuid not null references public.orgs(id),\n"
            "  name text not null, created_at timestamptz not null default now());",
            f"create index t{i:03d}_org_idx on {t} (organization_id);",
            f"alter table {t} enable row level security;",
            f"create policy t{i:03d}_sel on {t} for select to authenticated using "
            "(organization_id = ((select auth.jwt()) -> 'app_metadata' ->> 'organization_id')::uuid);",
        ]
        if i > 1:
            prev = f"public.t{i - 1:03d}"
            sql.append(f"alter table {prev} add column note_{i} text;")
            sql.append(f"comment on column {prev}.note_{i} is 'added by migration {i}';")
        (folder / f"2024010{1 + i // 50}{i:06d}_t{i:03d}.sql").write_text("\n".join(sql) + "\n")
    return folder


def timed(fn, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), min(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="embedded", choices=["embedded", "local"])
    ap.add_argument("--scratch-url", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    where = "scratch_url" if args.scratch_url else args.server
    with tempfile.TemporaryDirectory() as tmp:
        gen = generate(Path(tmp) / "gen100")
        cache = Path(tmp) / "cache"
        print("| folder | files | scratch | cold (s, median/min) | cached (ms, median) |")
        print("|---|---|---|---|---|")
        for label, folder in (("Nexus", NEXUS), ("generated", gen)):
            n = len(list(folder.glob("*.sql")))

            def cold(folder: Path = folder) -> None:
                replay(folder, scratch_url=args.scratch_url, server=args.server, cache_dir=None)

            med, best = timed(cold, args.repeat)
            replay(folder, scratch_url=args.scratch_url, server=args.server, cache_dir=cache)

            def cached(folder: Path = folder) -> None:
                replay(folder, scratch_url=args.scratch_url, server=args.server, cache_dir=cache)

            cmed, _ = timed(cached, 5)
            print(f"| {label} | {n} | {where} | {med:.2f} / {best:.2f} | {cmed * 1000:.0f} |")


if __name__ == "__main__":
    main()
