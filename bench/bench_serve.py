"""Benchmark ``driftwatch serve``: tick cost on 10,000 tables, idle cost, /metrics scrape time.

    python bench/gen_schema.py --tables 10000 | psql -q -v ON_ERROR_STOP=1 -d bench_10000
    .venv/bin/python bench/bench_serve.py --db bench_10000 [--idle-seconds 60]

1. One tick, cold and warm: ``serve --once`` twice on the same state dir (cold = first run:
   store + docs for every table; warm = unchanged schema: snapshot, store dedupe, rules).
   Wall time, child CPU time and max RSS from ``wait4``; stage times from the JSON log.
2. Idle cost: ``serve`` with a 1h schedule, after its start-up run: CPU% over
   ``--idle-seconds`` from /proc/<pid>/stat (utime+stime), and RSS from /proc/<pid>/status.
3. Scrape: ``GET /metrics`` of that process (its real findings), and of an in-process
   service holding ~1,000 open findings; median and p95 of ``--scrapes`` requests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_config(state: Path, dsn: str, port: int, schedule: str) -> Path:
    cfg = state.parent / f"{state.name}.toml"
    cfg.write_text(
        f'state_dir = "{state}"\n[server]\nlisten = "127.0.0.1:{port}"\n'
        f'[docs]\nbaseline = "{state}/none.json"\n'
        f'[[targets]]\nname = "bench"\ndsn = "{dsn}"\nschedule = "{schedule}"\n'
    )
    return cfg


def once(cfg: Path) -> dict[str, Any]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "driftwatch",
            "serve",
            "--once",
            "--log-format",
            "json",
            "--config",
            str(cfg),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    finished = next((e for e in events if e["event"] == "run.finished"), None)
    if os.waitstatus_to_exitcode(status) != 0 or finished is None:
        raise SystemExit(f"serve --once failed:\n{err[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "max_rss_mib": usage.ru_maxrss / 1024,
        "run_s": finished["duration_s"],
        "snapshot_s": finished["snapshot_s"],
        "tables": finished["tables"],
        "findings": finished["findings"],
        "docs": any(e["event"] == "docs.generated" for e in events),
        "stages": " ".join(
            f"{k[:-2]} {finished[k]:.1f}"
            for k in ("store_s", "diff_s", "baseline_s", "rules_s", "docs_s")
            if k in finished
        ),
    }


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def proc_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        body: bytes = r.read()
        return body


def time_scrapes(url: str, n: int) -> tuple[float, float, int, int]:
    body = get(url)  # warm-up
    times = []
    for _ in range(n):
        t = time.perf_counter()
        body = get(url)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    return statistics.median(times), times[int(0.95 * (n - 1))], series, len(body)


def idle_and_scrape(cfg: Path, port: int, seconds: float, scrapes: int) -> dict[str, Any]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "driftwatch", "serve", "--log-format", "json", "--config", str(cfg)],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                get(f"http://127.0.0.1:{port}/readyz")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("serve did not become ready") from None
                time.sleep(0.2)
        time.sleep(2)  # let the start-up run's garbage settle
        rss0 = proc_rss_mib(proc.pid)
        cpu0, t0 = proc_cpu_s(proc.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = proc_cpu_s(proc.pid), time.monotonic()
        rss1 = proc_rss_mib(proc.pid)
        med, p95, series, size = time_scrapes(f"http://127.0.0.1:{port}/metrics", scrapes)
        return {
            "idle_cpu_pct": 100 * (cpu1 - cpu0) / (t1 - t0),
            "idle_seconds": t1 - t0,
            "rss_mib_start": rss0,
            "rss_mib_end": rss1,
            "scrape_ms_median": med,
            "scrape_ms_p95": p95,
            "series": series,
            "bytes": size,
        }
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def synthetic_scrape(n_findings: int, scrapes: int) -> tuple[float, float, int, int]:
    from driftwatch.findings import Finding
    from driftwatch.metrics import build_registry
    from driftwatch.service.http import HttpEndpoints, MetricsAuth
    from driftwatch.service.state import ResultsRegistry, TargetResult

    results = ResultsRegistry()
    registry, _ = build_registry(results)
    rules = ("rls-disabled", "tenant-column-missing", "policy-not-tenant-scoped", "rls-no-policies")
    findings = tuple(
        Finding(rules[i % 4], "error", f"public.table_{i:05d}", "m") for i in range(n_findings)
    )
    tables = {"public": n_findings}
    results.publish(
        TargetResult(
            "bench",
            900,
            runs=1,
            up=True,
            digest="sha256:x",
            findings=findings,
            tables=tables,
            last_success_ts=time.time(),
        )
    )
    http = HttpEndpoints("127.0.0.1:0", registry, results.pending, MetricsAuth())
    http.start()
    try:
        return time_scrapes(f"http://127.0.0.1:{http.port}/metrics", scrapes)
    finally:
        http.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    ap.add_argument("--db", default="bench_10000")
    ap.add_argument("--idle-seconds", type=float, default=60)
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--findings", type=int, default=1000)
    args = ap.parse_args()
    dsn = f"{args.server}/{args.db}"
    with tempfile.TemporaryDirectory(prefix="dw-bench-serve-") as tmp:
        state = Path(tmp) / "state"
        port = free_port()
        cfg = write_config(state, dsn, port, "1h")
        cold = once(cfg)
        warm = once(cfg)
        idle = idle_and_scrape(cfg, port, args.idle_seconds, args.scrapes)
    med, p95, series, size = synthetic_scrape(args.findings, args.scrapes)
    print(f"## serve on {args.db} ({cold['tables']} tables, {cold['findings']} findings)\n")
    print("| tick | wall s | run s | snapshot s | other stages s | CPU s | max RSS MiB | docs |")
    print("|---|---:|---:|---:|---|---:|---:|---|")
    for name, r in (("cold (first run)", cold), ("warm (unchanged)", warm)):
        print(
            f"| {name} | {r['wall_s']:.2f} | {r['run_s']:.2f} | {r['snapshot_s']:.2f} | "
            f"{r['stages']} | "
            f"{r['cpu_s']:.2f} | {r['max_rss_mib']:.0f} | {'yes' if r['docs'] else 'no'} |"
        )
    print(
        f"\nidle between ticks: {idle['idle_cpu_pct']:.3f}% CPU over {idle['idle_seconds']:.0f}s, "
        f"RSS {idle['rss_mib_start']:.0f} → {idle['rss_mib_end']:.0f} MiB"
    )
    print(
        f"/metrics of that process: median {idle['scrape_ms_median']:.1f} ms, "
        f"p95 {idle['scrape_ms_p95']:.1f} ms ({idle['series']} samples, {idle['bytes']} bytes)"
    )
    print(
        f"/metrics with {args.findings} open findings (in-process service): median {med:.1f} ms, "
        f"p95 {p95:.1f} ms ({series} samples, {size} bytes)"
    )
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(f"(bench process CPU {own.ru_utime + own.ru_stime:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
