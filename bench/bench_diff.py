"""Diff and history-store benchmark on two synthetic 10,000-table snapshots.

The snapshots are synthesised as model objects shaped like ``bench/gen_schema.py`` tables
(uuid PK, tenant FK + index, typed columns, 4 RLS policies, a partial index on every 5th
table, a trigger on every 10th, a comment on every 3rd), then ~10 changes are scattered
over the second one. Measured:

* driftwatch diff (median of several runs), on snapshots in their JSON-native form, as
  read from a file or the store;
* DeepDiff over the whole ``objects`` dicts, once (slow: ``--no-deepdiff`` skips it);
* history store: write (compress + insert) and read (decompress + validate) of one
  10k-table snapshot, on SQLite and (with ``--pg-url``) PostgreSQL.

    .venv/bin/python bench/bench_diff.py [--tables 10000] [--no-deepdiff] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import driftwatch
from driftwatch import model
from driftwatch import snapshot as snapmod
from driftwatch.store import Retention, Store

META = model.Meta(
    taken_at="2024-05-01T12:00:00Z",
    target="bench",
    database="bench",
    server_version="15",
    driftwatch_version="bench",
)
POLICY = "(organization_id = (((SELECT auth.jwt() AS jwt) -> 'app_metadata'::text) ->> 'organization_id'::text))::uuid)"


def table(i: int) -> model.Table:
    name = f"t{i:05d}"
    cols = {
        "id": model.Column(1, "uuid", False, default="gen_random_uuid()"),
        "organization_id": model.Column(2, "uuid", False),
        "name": model.Column(3, "text", False),
        "amount": model.Column(4, "numeric(12,2)", True),
        "status": model.Column(5, "text", False, default="'active'::text"),
        "payload": model.Column(6, "jsonb", True),
        "created_at": model.Column(7, "timestamp with time zone", False, default="now()"),
        "updated_at": model.Column(8, "timestamp with time zone", False, default="now()"),
    }
    cons = {
        f"{name}_pkey": model.Constraint("primary_key", "PRIMARY KEY (id)", ("id",)),
        f"{name}_organization_id_fkey": model.Constraint(
            "foreign_key",
            "FOREIGN KEY (organization_id) REFERENCES public.organizations(id)",
            ("organization_id",),
            model.ForeignKey("public.organizations", ("id",), "no action", "cascade", "simple"),
        ),
    }
    idx = {
        f"{name}_pkey": model.Index(
            f"CREATE UNIQUE INDEX {name}_pkey ON public.{name} USING btree (id)",
            ("id",),
            True,
            True,
            constraint=f"{name}_pkey",
        ),
        f"{name}_org_idx": model.Index(
            f"CREATE INDEX {name}_org_idx ON public.{name} USING btree (organization_id)",
            ("organization_id",),
        ),
    }
    if i % 5 == 0:
        idx[f"{name}_open_idx"] = model.Index(
            f"CREATE INDEX {name}_open_idx ON public.{name} USING btree (organization_id) "
            "WHERE (status = 'active'::text)",
            ("organization_id",),
            predicate="(status = 'active'::text)",
        )
    pols = {
        f"{name}_{cmd.lower()}": model.Policy(
            cmd,
            True,
            ("authenticated",),
            None if cmd == "INSERT" else POLICY,
            POLICY if cmd in ("INSERT", "UPDATE") else None,
        )
        for cmd in ("SELECT", "INSERT", "UPDATE", "DELETE")
    }
    trig = {}
    if i % 10 == 0:
        trig[f"{name}_updated_at"] = model.Trigger(
            f"CREATE TRIGGER {name}_updated_at BEFORE UPDATE ON public.{name} FOR EACH ROW "
            "EXECUTE FUNCTION public.set_updated_at()",
            "public.set_updated_at",
            "BEFORE",
            ("UPDATE",),
            "ROW",
        )
    return model.Table(
        kind="table",
        owner="postgres",
        rls=model.Rls(True, False),
        columns=cols,
        constraints=cons,
        indexes=idx,
        policies=pols,
        triggers=trig,
        grants={"authenticated": ("DELETE", "INSERT", "SELECT", "UPDATE")},
        comment=f"table {i}" if i % 3 == 0 else None,
    )


def build(n: int) -> tuple[model.Objects, model.Objects, int]:
    tables = {f"public.t{i:05d}": table(i) for i in range(n)}
    old = model.Objects(schemas={"public": model.Schema("postgres")}, tables=tables)
    new_tables = dict(tables)
    step = max(n // 10, 1)
    picks = [f"public.t{i:05d}" for i in range(7, n, step)][:10]
    edits = [
        lambda t: dataclasses.replace(t, rls=model.Rls(False, False)),
        lambda t: dataclasses.replace(
            t, columns={**t.columns, "extra": model.Column(9, "text", True)}
        ),
        lambda t: dataclasses.replace(
            t, policies={k: v for k, v in t.policies.items() if not k.endswith("_delete")}
        ),
        lambda t: dataclasses.replace(t, comment="changed"),
        lambda t: dataclasses.replace(t, grants={**t.grants, "anon": ("SELECT",)}),
    ]
    for j, key in enumerate(picks):
        new_tables[key] = edits[j % len(edits)](new_tables[key])
    del new_tables[f"public.t{n - 1:05d}"]  # one dropped table
    new_tables["public.zz_new"] = table(n + 1)  # one added table
    return old, dataclasses.replace(old, tables=new_tables), len(picks) + 2


def as_loaded(objects: model.Objects) -> model.Snapshot:
    """The snapshot as a reader gets it from a file or the store (JSON-native form)."""
    return snapmod.loads(snapmod.dumps(snapmod.make(META, objects), indent=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tables", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-deepdiff", action="store_true")
    ap.add_argument("--pg-url", help="also measure the store on this PostgreSQL URL")
    args = ap.parse_args()

    t = time.perf_counter()
    old_o, new_o, n_edits = build(args.tables)
    old, new = as_loaded(old_o), as_loaded(new_o)
    print(
        f"built + serialised two {args.tables}-table snapshots in {time.perf_counter() - t:.1f} s "
        f"({n_edits} edits)"
    )

    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        result = driftwatch.compare(old, new)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(
        f"driftwatch diff: median {med * 1000:.0f} ms (min {min(times) * 1000:.0f}, "
        f"max {max(times) * 1000:.0f}) over {args.runs} runs; {len(result.changes)} changes "
        f"{result.counts()}"
    )

    if not args.no_deepdiff:
        from deepdiff import DeepDiff

        t = time.perf_counter()
        dd = DeepDiff(old.data, new.data)
        dd_time = time.perf_counter() - t
        print(
            f"DeepDiff over the whole snapshots: {dd_time:.1f} s ({len(dd)} change groups); "
            f"ratio {dd_time / med:.0f}x"
        )

    urls = []
    with tempfile.TemporaryDirectory() as tmp:
        urls.append(("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
        if args.pg_url:
            urls.append(("postgresql", args.pg_url))
        for label, url in urls:
            with Store(url, retention=Retention(0, 0, 0)) as store:
                store.targets()  # schema set-up outside the timing
                t = time.perf_counter()
                store.save_snapshot("bench", old)
                w = time.perf_counter() - t
                t = time.perf_counter()
                got = store.latest_snapshot("bench")
                r = time.perf_counter() - t
                assert got is not None and got.digest == old.digest
                info = store.snapshots("bench")[0]
                print(
                    f"store {label}: write {w:.2f} s, read {r:.2f} s, canonical JSON "
                    f"{info.size / 1e6:.1f} MB → stored {info.stored_size / 1e6:.2f} MB "
                    f"({info.size / info.stored_size:.0f}x)"
                )


if __name__ == "__main__":
    main()
