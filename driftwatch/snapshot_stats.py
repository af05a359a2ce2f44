"""A short human summary of a snapshot: object counts, RLS coverage, policies by command."""

from __future__ import annotations

from collections import Counter

from driftwatch import model


def counts(objects: model.Objects) -> dict[str, int]:
    c: dict[str, int] = {kind: len(getattr(objects, kind)) for kind in model.OBJECT_KINDS}
    tables = objects.tables.values()
    c["columns"] = sum(len(t.columns) for t in tables)
    c["constraints"] = sum(len(t.constraints) for t in tables)
    c["indexes"] = sum(len(t.indexes) for t in tables)
    c["policies"] = sum(len(t.policies) for t in tables)
    c["triggers"] = sum(len(t.triggers) for t in tables)
    return c


def summarize(snap: model.Snapshot) -> str:
    o = snap.objects
    c = counts(o)
    tables = o.tables
    partitions = sum(1 for t in tables.values() if t.partition_of)
    rls_on = sum(1 for t in tables.values() if t.rls.enabled)
    by_cmd = Counter(p.command for t in tables.values() for p in t.policies.values())
    no_rls = sorted(k for k, t in tables.items() if not t.rls.enabled and not t.partition_of)
    lines = [
        f"database {snap.meta.database} (PostgreSQL {snap.meta.server_version}), "
        f"schemas: {', '.join(snap.meta.schemas) or '-'}",
        f"digest   {snap.digest}",
        f"tables   {c['tables']} ({partitions} partitions), RLS enabled on {rls_on}",
        "objects  "
        + ", ".join(
            f"{c[k]} {k.replace('_', ' ')}"
            for k in (
                "columns",
                "constraints",
                "indexes",
                "policies",
                "triggers",
                "views",
                "materialized_views",
                "functions",
                "sequences",
                "enums",
                "domains",
                "extensions",
            )
        ),
        "policies " + (", ".join(f"{cmd} {by_cmd[cmd]}" for cmd in sorted(by_cmd)) or "none"),
    ]
    if no_rls:
        shown = ", ".join(no_rls[:10]) + (f" … (+{len(no_rls) - 10})" if len(no_rls) > 10 else "")
        lines.append(f"no RLS   {shown}")
    return "\n".join(lines)
