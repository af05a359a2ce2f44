"""The JSON Schema of ``driftwatch.snapshot/2``, derived from the model's annotations.

The shipped file ``driftwatch/schema/snapshot-2.json`` is the output of ``build()``;
a test fails when the two disagree, so the schema and the model cannot drift apart.
Regenerate with ``python -m driftwatch.jsonschema_gen``. ``snapshot-1.json`` is the frozen
schema of format 1, still read (``snapshot.loads`` converts it).
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from driftwatch import model

SCHEMA_PATH = Path(__file__).parent / "schema" / "snapshot-2.json"
FORMAT = "driftwatch.snapshot/2"
V1_SCHEMA_PATH = Path(__file__).parent / "schema" / "snapshot-1.json"
V1_FORMAT = "driftwatch.snapshot/1"

# Documented fields (the schema says what they mean; everything else is in the model).
_DESCRIPTIONS = {
    "incomplete": (
        "Why this object is not fully represented: one reason per part the catalog holds "
        "but driftwatch could not read (the object keeps what was read, and the snapshot "
        "warned about it). Empty for a complete object."
    ),
}


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(tp)
            props = {f.name: _type_schema(hints[f.name], defs) for f in dataclasses.fields(tp)}
            for fname, text in _DESCRIPTIONS.items():
                if fname in props:
                    props[fname] = {"description": text, **props[fname]}
            required = [
                f.name
                for f in dataclasses.fields(tp)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            ]
            defs[name] = {
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": False,
            }
        return {"$ref": f"#/definitions/{name}"}
    if origin is not None and (origin is dict or getattr(origin, "__name__", "") == "Mapping"):
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs)}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        schema = _type_schema(inner[0], defs)
        if "$ref" in schema:
            return {"oneOf": [{"type": "null"}, schema]}
        return {**schema, "type": [schema["type"], "null"]}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    if tp is Mapping:
        return {"type": "object"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def build() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    objects = _type_schema(model.Objects, defs)
    meta = _type_schema(model.Meta, defs)
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://driftwatch.dev/schema/snapshot-2.json",
        "title": FORMAT,
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
            "meta": meta,
            "objects": objects,
        },
        "required": ["format", "digest", "meta", "objects"],
        "additionalProperties": False,
        "definitions": dict(sorted(defs.items())),
    }


def main() -> int:
    import orjson

    SCHEMA_PATH.write_bytes(orjson.dumps(build(), option=orjson.OPT_INDENT_2) + b"\n")
    print(f"wrote {SCHEMA_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
