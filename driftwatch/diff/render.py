"""Render a :class:`DiffResult` as text (grouped by table), JSON (``driftwatch.diff/1``) or
Markdown (for a pull-request comment). All three are deterministic for a given result."""

from __future__ import annotations

import itertools
from typing import Any

import orjson

from driftwatch.diff.changes import (
    ADDED,
    MODIFIED,
    REMOVED,
    RENAMED,
    SEVERITIES,
    Change,
    DiffResult,
)
from driftwatch.diff.fields import FieldChange, is_nested, path_text
from driftwatch.diff.wording import describe

FORMATS = ("text", "json", "markdown")

_SYMBOL = {ADDED: "+", REMOVED: "-", MODIFIED: "~", RENAMED: ">"}
_ANSI = {
    "security": "\033[1;31m",
    "breaking": "\033[33m",
    "info": "\033[2m",
    ADDED: "\033[32m",
    REMOVED: "\033[31m",
    MODIFIED: "\033[33m",
    RENAMED: "\033[36m",
    "bold": "\033[1m",
}
_RESET = "\033[0m"
_MAX = 160


def _flat(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "[" + ", ".join(value) + "]"
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _cut(text: str) -> str:
    return text if len(text) <= _MAX else text[: _MAX - 1] + "…"


def _one_line(value: Any) -> str:
    return _cut(_flat(value))


def _modified_fields(before: dict[str, Any], after: dict[str, Any], ch: Change) -> str:
    """``field: before → after`` per changed field; a list or map too long for one line is
    spelled by the leaves that changed inside it (``Change.fields``) instead."""
    parts = []
    leaves: tuple[FieldChange, ...] | None = None
    for k in sorted(before.keys() | after.keys()):
        b, a = before.get(k), after.get(k)
        if b == a:
            continue
        b_text, a_text = _flat(b), _flat(a)
        if (is_nested(b) or is_nested(a)) and max(len(b_text), len(a_text)) > _MAX:
            leaves = ch.fields() if leaves is None else leaves
            inside = [fc for fc in leaves if fc.path[0] == k]
            if inside:
                parts += [
                    f"{path_text(fc.path)}: {_one_line(fc.before)} → {_one_line(fc.after)}"
                    for fc in inside
                ]
                continue
        parts.append(f"{k}: {_cut(b_text)} → {_cut(a_text)}")
    return "; ".join(parts)


def _brief(data: Any) -> str:
    """A short description of an added/removed object's data."""
    if not isinstance(data, dict):
        return _one_line(data)
    if "privileges" in data:
        return f"{data['role']}: {', '.join(data['privileges'])}"
    if "partition" in data:
        return f"{data['partition']} {data.get('bound') or ''}".strip()
    if "name" in data and len(data) == 1:
        return str(data["name"])
    if "definition" in data:
        return _one_line(data["definition"])
    if "type" in data and "nullable" in data:
        return f"{data['type']}{'' if data['nullable'] else ' not null'}"
    if "command" in data and "permissive" in data:
        mode = "permissive" if data["permissive"] else "restrictive"
        return f"{mode} {data['command']} to {', '.join(data['roles'])}"
    if "labels" in data:
        return ", ".join(data["labels"])
    if "version" in data:
        return f"version {data['version']}"
    return ""


def details(ch: Change) -> str:
    if ch.change == RENAMED:
        return f"{ch.before['name']} → {ch.after['name']}"
    if ch.change == ADDED:
        return _brief(ch.after)
    if ch.change == REMOVED:
        return _brief(ch.before)
    if ch.kind == "grant":
        return f"{ch.after['role']}: {', '.join(ch.before['privileges'])} → {', '.join(ch.after['privileges'])}"
    if isinstance(ch.before, dict) and isinstance(ch.after, dict):
        return _modified_fields(ch.before, ch.after, ch)
    return f"{_one_line(ch.before)} → {_one_line(ch.after)}"


def verdict_note(ch: Change) -> str:
    """``loosened: role(s) added: anon`` for a classified policy change, else ``""``."""
    if ch.verdict is None:
        return ""
    return f"{ch.verdict}: {'; '.join(ch.why)}" if ch.why else ch.verdict


def _local(ch: Change) -> str:
    if ch.group and ch.object.startswith(ch.group + ".") and ch.object != ch.group:
        return ch.object[len(ch.group) + 1 :]
    return ch.object if ch.object != ch.group else ""


def summary_line(result: DiffResult) -> str:
    c = result.counts()
    if not c["total"]:
        return "no changes"
    parts = ", ".join(f"{c[s]} {s}" for s in SEVERITIES if c[s])
    noun = "change" if c["total"] == 1 else "changes"
    return f"{c['total']} {noun} ({parts})"


def _word(ch: Change, direction: bool | None) -> str:
    """The change word; reviewer words when one side is migrations:… (``direction`` =
    old side is the migrations, see ``wording``)."""
    if direction is None:
        return ch.change
    return describe(ch, direction)


def render_text(
    result: DiffResult, *, color: bool = False, verbose: bool = False, direction: bool | None = None
) -> str:
    def paint(style: str, text: str) -> str:
        return f"{_ANSI[style]}{text}{_RESET}" if color else text

    head = summary_line(result)
    if result.changes:
        groups = len({ch.group for ch in result.changes})
        head += f" in {groups} object{'s' if groups != 1 else ''}"
    if result.ignored:
        head += (
            f", {len(result.ignored)} ignored ([diff] settings{'' if verbose else '; -v lists'})"
        )
    lines = [f"{head}: {result.from_digest[:19]}… → {result.to_digest[:19]}…"]
    for group, items in itertools.groupby(result.changes, key=lambda ch: ch.group):
        lines.append("")
        lines.append(paint("bold", group))
        for ch in items:
            local = _local(ch)
            what = f"{ch.kind} {local}" if local else ch.kind
            text = f"  {_SYMBOL[ch.change]} {what} {_word(ch, direction)}"
            detail = details(ch)
            if detail:
                text += f": {detail}"
            tag = f"[{ch.severity}]"
            note = verdict_note(ch)
            if note:
                tag += f" {note}"
            lines.append(f"{paint(ch.change, text)}  {paint(ch.severity, tag)}")
    if verbose and result.ignored:
        lines.append("")
        lines.append(f"ignored {len(result.ignored)} change(s):")
        for ig in result.ignored:
            ch = ig.change
            lines.append(
                f"  {_SYMBOL[ch.change]} {ch.kind} {ch.object} {ch.change}  (ignore {ig.rule})"
            )
    return "\n".join(lines) + "\n"


def render_json(result: DiffResult, *, verbose: bool = False) -> str:
    doc = result.to_data()
    if verbose:
        doc["ignored"] = [{**ig.change.to_data(), "rule": ig.rule} for ig in result.ignored]
    opts = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
    return orjson.dumps(doc, option=opts).decode() + "\n"


_MD_SEVERITY = {"security": "🔒 security", "breaking": "⚠️ breaking", "info": "info"}


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")


def render_markdown(
    result: DiffResult, *, verbose: bool = False, direction: bool | None = None
) -> str:
    lines = [f"### Schema drift: {summary_line(result)}", ""]
    lines.append(f"`{result.from_digest[:19]}…` → `{result.to_digest[:19]}…`")
    for group, items in itertools.groupby(result.changes, key=lambda ch: ch.group):
        lines += ["", f"#### `{group}`", "", "| Change | Kind | Object | Severity | Details |"]
        lines.append("|---|---|---|---|---|")
        for ch in items:
            obj = f"`{_md_cell(_local(ch))}`" if _local(ch) else ""
            detail = _md_cell(details(ch))
            if ch.verdict is not None:
                detail = f"**{ch.verdict}** ({_md_cell('; '.join(ch.why))}): {detail}"
            lines.append(
                f"| {_word(ch, direction)} | {ch.kind} | {obj} | {_MD_SEVERITY[ch.severity]} "
                f"| {detail} |"
            )
    if verbose and result.ignored:
        lines += ["", f"<details><summary>{len(result.ignored)} ignored change(s)</summary>", ""]
        for ig in result.ignored:
            ch = ig.change
            lines.append(f"- {ch.change} {ch.kind} `{_md_cell(ch.object)}` (ignore {ig.rule})")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def render(
    result: DiffResult,
    fmt: str,
    *,
    color: bool = False,
    verbose: bool = False,
    direction: bool | None = None,
) -> str:
    """``direction``: None, or whether the OLD side is ``migrations:…`` (reviewer words)."""
    if fmt == "json":
        return render_json(result, verbose=verbose)
    if fmt == "markdown":
        return render_markdown(result, verbose=verbose, direction=direction)
    return render_text(result, color=color, verbose=verbose, direction=direction)
