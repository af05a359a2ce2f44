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


def neighbours(site: Site, key: str) -> list[str]:
    """Qualified names of the tables directly linked to ``key`` by a foreign key."""
    out = {fk[1] for fk in site.fact("table", key)["fks"]}
    inc = {fk.source for fk in site.incoming.get(key, [])}
    return sorted((out | inc) - {key})


def er_diagram(
    site: Site, key: str, max_neighbours: int, table: model.Table | None = None
) -> dict[str, object]:
    """The diagram of table ``key`` (``table``: the table, when already decoded)."""
    if table is None:
        table = site.table(key)
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
    for cname, target, _cols, _tcols, _on_delete, card in site.fact("table", key)["fks"]:
        if target in drawn_set:
            rels.append((names[key], card, names[target], cname))
    for inc in site.incoming.get(key, []):
        if inc.source == key or inc.source not in drawn_set:
            continue  # self-references are drawn once, above
        rels.append((names[inc.source], inc.cardinality, names[key], inc.name))
    for child, card, parent, label in rels:
        lines.append(f'    {child} {card} {parent} : "{mermaid_label(label)}"')
    return {"mermaid": "\n".join(lines), "omitted": len(near) - len(drawn)}
