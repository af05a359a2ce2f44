"""Field-level detail of a ``modified`` change: the leaves that changed inside its fields.

A modified change carries the fields that differ, whole (``before`` / ``after``). When one
of them is a list or a map (enum labels, role settings, options, a publication's tables,
a composite type's attributes ...), DeepDiff names each leaf that changed inside it, as
``(path, before, after)``. It runs only on those field deltas, which the engine computes
for objects the digest prefilter already found changed, never over a whole snapshot (slow),
and only when asked (renderers), so a diff that is only counted never imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One leaf that changed: its path from the object (field name first, then map keys and
    list positions), its value before and after (None where it is absent on that side)."""

    path: Path
    before: Any = None
    after: Any = None

    def to_data(self) -> dict[str, Any]:
        return {"path": list(self.path), "before": self.before, "after": self.after}


def is_nested(value: Any) -> bool:
    return isinstance(value, dict | list)


def has_nested(before: Any, after: Any) -> bool:
    """Whether a modified change's field deltas hold a list or map on either side."""
    return (
        isinstance(before, Mapping)
        and isinstance(after, Mapping)
        and any(is_nested(v) for side in (before, after) for v in side.values())
    )


def _sort_key(fc: FieldChange) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in fc.path)


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """The leaves that differ between two JSON-native field deltas, sorted by path."""
    from deepdiff import DeepDiff  # slow to import (bench/README.md): only when rendered
    from deepdiff.helper import notpresent

    tree = DeepDiff(dict(before), dict(after), view="tree", threshold_to_diff_deeper=0)
    out = []
    for levels in tree.values():
        for level in levels:
            out.append(
                FieldChange(
                    tuple(level.path(output_format="list")),
                    None if level.t1 is notpresent else level.t1,
                    None if level.t2 is notpresent else level.t2,
                )
            )
    return tuple(sorted(out, key=_sort_key))


def path_text(path: Path) -> str:
    """``labels[1]``, ``settings.search_path``, ``tables["public.orders"].row_filter``."""
    text = str(path[0])
    for part in path[1:]:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}"
        else:
            text += '["' + part.replace("\\", "\\\\").replace('"', '\\"') + '"]'
    return text
