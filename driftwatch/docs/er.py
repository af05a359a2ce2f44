"""Mermaid ``erDiagram`` of a table and its direct neighbours (tables it references and
tables that reference it).

Only the page's own table lists its attributes; neighbours appear as entities in the
relationship lines, so adding a column to one table changes only that table's diagram.
Entity and attribute names are sanitised to Mermaid words, relationship labels quoted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftwatch import model
from driftwatch.docs.naming import mermaid_entities, mermaid_label, mermaid_word

if TYPE_CHECKING:
    from driftwatch.docs.site import Site


def _cardinality(child: model.Table, con: model.Constraint) -> str:
    cols = set(con.columns)
    unique = any(
        c.type in ("primary_key", "unique") and set(c.columns) == cols
        for c in child.constraints.values()
    )
    nullable = any(child.columns[c].nullable for c in con.columns if c in child.columns)
    left = "|o" if unique else "}o"
    right = "o|" if nullable else "||"
    return f"{left}--{right}"


def neighbours(site: Site, key: str) -> list[str]:
    """Qualified names of the tables directly linked to ``key`` by a foreign key."""
    table = site.snapshot.objects.tables[key]
    out = {c.references.table for c in table.constraints.values() if c.references}
    inc = {fk.source for fk in site.incoming.get(key, [])}
    return sorted((out | inc) - {key})


def er_diagram(site: Site, key: str, max_neighbours: int) -> dict[str, object]:
    tables = site.snapshot.objects.tables
    table = tables[key]
    near = neighbours(site, key)
    drawn = near[: max(0, max_neighbours)]
    drawn_set = set(drawn) | {key}
    names = mermaid_entities([key, *drawn])
    lines = ["erDiagram"]
    pk = {c for con in table.constraints.values() if con.type == "primary_key" for c in con.columns}
    fk = {c for con in table.constraints.values() if con.type == "foreign_key" for c in con.columns}
    uk = {
        con.columns[0]
        for con in table.constraints.values()
        if con.type == "unique" and len(con.columns) == 1
    }
    lines.append(f"    {names[key]} {{")
    for cname, col in sorted(table.columns.items(), key=lambda kv: (kv[1].position, kv[0])):
        keys = [k for k, s in (("PK", pk), ("FK", fk), ("UK", uk)) if cname in s]
        suffix = f" {', '.join(keys)}" if keys else ""
        lines.append(f"        {mermaid_word(col.type)} {mermaid_word(cname)}{suffix}")
    lines.append("    }")
    rels: list[tuple[str, str, str, str]] = []
    for cname, con in sorted(table.constraints.items()):
        ref = con.references
        if ref is None or ref.table not in drawn_set:
            continue
        rels.append((names[key], _cardinality(table, con), names[ref.table], cname))
    for inc in site.incoming.get(key, []):
        if inc.source == key or inc.source not in drawn_set:
            continue  # self-references are drawn once, above
        rels.append(
            (
                names[inc.source],
                _cardinality(tables[inc.source], inc.constraint),
                names[key],
                inc.name,
            )
        )
    for child, card, parent, label in rels:
        lines.append(f'    {child} {card} {parent} : "{mermaid_label(label)}"')
    return {"mermaid": "\n".join(lines), "omitted": len(near) - len(drawn)}
