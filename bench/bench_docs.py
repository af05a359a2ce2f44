"""Benchmark ``driftwatch docs`` on a large schema: full generation, a no-change rerun, and
an incremental regeneration after one table changes.

    python bench/gen_schema.py --tables 10000 | psql -q -v ON_ERROR_STOP=1 -d bench10k
    python bench/bench_docs.py --dsn postgresql://postgres@127.0.0.1/bench10k

The one-table change is made on the snapshot's JSON tree (a column added to one table),
so the render figures do not include catalog time; ``--alter`` additionally runs a real
``ALTER TABLE`` and times the whole command (snapshot + audit + render). Files written are
counted on disk (mtime/inode changes), manifest included.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import driftwatch
from driftwatch import snapshot as snapmod
from driftwatch.cli import main as cli_main
from driftwatch.config.load import from_dict


def _state(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            st = os.stat(os.path.join(d, f))
            out[os.path.relpath(os.path.join(d, f), root)] = (st.st_ino, st.st_mtime_ns)
    return out


def _changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(p for p in after if before.get(p) != after[p])


def _page_sizes(out: Path) -> None:
    """The generated pages' sizes: the top page, each schema page, the largest listing
    page of each kind, the largest object page, and any page over 300 KB."""
    sizes = {str(p.relative_to(out)): p.stat().st_size for p in out.rglob("*.md")}

    def kb(path: str) -> str:
        return f"{path} {sizes[path] / 1024:.1f} KB"

    listings = [p for p in sizes if "/_index/" in p or p.startswith("_index/")]
    schema_pages = sorted(p for p in sizes if p.count("/") == 1 and p.endswith("/README.md"))
    objects = [p for p in sizes if p not in listings and not p.endswith("README.md")]
    objects = [p for p in objects if not p.startswith("_rules/")]
    print(
        f"pages: {len(sizes)}; top {kb('README.md')}; schema pages: "
        + ", ".join(kb(p) for p in schema_pages)
    )
    kinds: dict[str, list[str]] = {}
    for p in listings:
        kinds.setdefault(p.split("/_index/")[-1].split("/")[0].split("-")[0], []).append(p)
    for kind, paths in sorted(kinds.items()):
        print(f"  {kind} listings: {len(paths)} pages, largest {kb(max(paths, key=sizes.get))}")
    print(f"  object pages: {len(objects)}, largest {kb(max(objects, key=sizes.get))}")
    over = sorted(p for p, n in sizes.items() if n > 300 * 1024)
    print(f"  pages over 300 KB: {over or 'none'}")
    if (out.parent / "mkdocs.yml").is_file():
        print(f"  mkdocs.yml: {(out.parent / 'mkdocs.yml').stat().st_size / 1024:.1f} KB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dsn", required=True, help="database made by bench/gen_schema.py")
    ap.add_argument("--alter", action="store_true", help="also time a real ALTER + full command")
    args = ap.parse_args()
    root = Path(__file__).resolve().parent.parent
    cfg = from_dict(
        {
            "docs": {
                "groups": str(root / "driftwatch" / "demo" / "table-groups.toml"),
                "mkdocs": True,
            }
        }
    )

    t = time.perf_counter()
    snap = driftwatch.take(args.dsn, schemas="public")
    t_snap = time.perf_counter() - t
    t = time.perf_counter()
    findings = driftwatch.audit(snap, cfg).findings
    t_audit = time.perf_counter() - t
    print(
        f"schema: {len(snap.objects.tables)} tables; snapshot {t_snap:.2f}s, "
        f"audit {t_audit:.2f}s ({len(findings)} findings)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "reference" / "database"
        t = time.perf_counter()
        r = driftwatch.render_docs(snap, out, cfg, findings=findings)
        t_full = time.perf_counter() - t
        print(f"full generation:   {t_full:6.2f}s  {r.summary} (rendered {r.rendered})")
        _page_sizes(out)

        before = _state(out)
        t = time.perf_counter()
        r = driftwatch.render_docs(snap, out, cfg, findings=findings)
        t_same = time.perf_counter() - t
        print(
            f"unchanged rerun:   {t_same:6.2f}s  {r.summary}; files touched: "
            f"{len(_changed(before, _state(out)))}"
        )

        # one table changes: a column is added to one tenant table
        data = copy.deepcopy(dict(snap.data))
        key = sorted(k for k in data["tables"] if k != "public.organizations")[
            len(data["tables"]) // 2
        ]
        cols = data["tables"][key]["columns"]
        cols["bench_note"] = {
            **cols["name"],
            "position": len(cols) + 1,
            "nullable": True,
            "default": None,
        }
        changed = snapmod.make_from_data(snap.meta, data)
        findings2 = driftwatch.audit(changed, cfg).findings
        before = _state(out)
        t = time.perf_counter()
        r = driftwatch.render_docs(changed, out, cfg, findings=findings2)
        t_inc = time.perf_counter() - t
        touched = _changed(before, _state(out))
        print(
            f"one table changed: {t_inc:6.2f}s  {r.summary} (rendered {r.rendered}); "
            f"files written on disk: {len(touched)} {touched}"
        )

        if args.alter:
            import psycopg

            with psycopg.connect(args.dsn, autocommit=True) as conn:
                conn.execute(f"alter table {key} add column bench_alter text")
            try:
                before = _state(out)
                t = time.perf_counter()
                rc = cli_main(["docs", "--dsn", args.dsn, "--schema", "public", "-o", str(out)])
                t_cmd = time.perf_counter() - t
                touched = _changed(before, _state(out))
                print(
                    f"real ALTER, whole command (snapshot+audit+render): {t_cmd:.2f}s rc={rc}; "
                    f"files written: {len(touched)} {touched}"
                )
            finally:
                with psycopg.connect(args.dsn, autocommit=True) as conn:
                    conn.execute(f"alter table {key} drop column bench_alter")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
