"""Safe, unique file names for any identifier, Markdown escaping, Mermaid identifiers.

File names: every character outside ``[A-Za-z0-9_-]`` (``.``, ``/``, ``%``, ``~``, spaces,
newlines, non-ASCII) is written as ``~HH`` per UTF-8 byte, so a name can never contain a
path separator or ``..`` and two different names never encode alike. Names that would
still clash on a case-insensitive file system (``Orders`` next to ``orders``) or that are
reserved (``CON``, ``NUL``, ``index``, ``README``…) get a ``~~`` + hash suffix; ``~~``
cannot occur in an encoded name, so a suffixed name never equals a plain one. The links
between pages need no URL quoting: encoded names only hold URL-safe characters.
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_ALL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
# index/readme would become the section index in MkDocs and clash with each other.
RESERVED_STEMS = _WINDOWS_RESERVED | {"index", "readme"}
_KNOWN_FILES = frozenset({"README.md", "schema.json", "mermaid.min.js", "init-mermaid.js"})
_ENCODED = re.compile(r"^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})+(?:~~[0-9a-f]{8})?$")


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def encode(name: str) -> str:
    """``name`` as a file-name stem of URL-safe characters only (injective)."""
    if _ALL_SAFE.fullmatch(name):
        return name
    out: list[str] = []
    for ch in name:
        if ch in _SAFE:
            out.append(ch)
        else:
            out.extend(f"~{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out) or "~~empty"


def unique_stems(names: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """Map each name to a stem unique within its directory, even case-insensitively.

    A name keeps its plain encoding unless that is reserved or shares its case-folded form
    with another name; then every member of the clash except an all-lowercase one gets a
    hash suffix of its exact name; so does a name whose stem is in ``reserved`` (folded).
    Deterministic whatever the iteration order.
    """
    taken = RESERVED_STEMS | {r.casefold() for r in reserved}
    plain = {n: encode(n) for n in names}
    by_fold: dict[str, list[str]] = defaultdict(list)
    for name, stem in plain.items():
        by_fold[stem.casefold()].append(name)
    result: dict[str, str] = {}
    for fold, members in by_fold.items():
        is_reserved = fold in taken
        for name in members:
            stem = plain[name]
            keep = not is_reserved and (len(members) == 1 or stem == stem.lower())
            result[name] = stem if keep else f"{stem}~~{short_hash(name)}"
    return result


def is_safe_relpath(path: str) -> bool:
    """True for a relative POSIX path whose every part is an encoded stem (plus a suffix)."""
    if not path or path.startswith("/") or "\\" in path:
        return False
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part in ("", ".", ".."):
            return False
        if i == len(parts) - 1:
            stem, dot, ext = part.partition(".")
            if part in _KNOWN_FILES:
                continue
            if dot and ext not in ("md", "json", "yml"):
                return False
            if not _ENCODED.match(stem):
                return False
        elif not _ENCODED.match(part):
            return False
    return True


def relative_link(from_page: str, to_path: str) -> str:
    """A relative link from the page at ``from_page`` to ``to_path`` (both DIR-relative)."""
    to_dir, _, name = to_path.rpartition("/")
    if name in ("", ".", ".."):
        return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")
    up = _relative_dir(posixpath.dirname(from_page) or ".", to_dir or ".")
    return name if up == "." else f"{up}/{name}"


@functools.lru_cache(maxsize=4096)
def _relative_dir(from_dir: str, to_dir: str) -> str:
    """``posixpath.relpath`` of two directories: an index page links thousands of pages
    of a handful of directories."""
    return posixpath.relpath(to_dir, from_dir)


# --------------------------------------------------------------------------- Markdown

_ENTITY = {c: f"&#{ord(c)};" for c in "\\`*[]|~#<>&$^{}"}
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0b|\x0c|\x85")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_LEADING_BLOCK = re.compile(r"^([ \t]*)(?:([-+=:])|(\d+)([.)]))")


_TRANSLATE = str.maketrans(_ENTITY)
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _escape_chars(text: str) -> str:
    text = _CONTROL.sub("\ufffd", text).translate(_TRANSLATE)
    return _LONE_UNDERSCORE.sub("&#95;", text) if "_" in text else text


def md_text(value: object) -> str:
    """Inline Markdown text: safe in a paragraph, a heading, a table cell or link text.

    Markdown and HTML specials become numeric entities (``|`` ``\\`` `` ` `` ``*`` ``#``
    ``<``…), line breaks become ``<br>``, a leading list/heading marker is neutralised.
    """
    text = str(value)
    lines = _LINE_BREAKS.split(text)
    escaped = [_escape_chars(line) for line in lines]
    first = _LEADING_BLOCK.sub(_neutralise_leading, escaped[0].strip())
    return "<br>".join([first, *escaped[1:]])


def _neutralise_leading(m: re.Match[str]) -> str:
    if m.group(2):
        return f"&#{ord(m.group(2))};"
    return f"{m.group(3)}&#{ord(m.group(4))};"


def md_code(value: object) -> str:
    """Inline code that survives tables and hostile content: ``<code>`` + entities."""
    text = str(value)
    escaped = "<br>".join(_escape_chars(line) for line in _LINE_BREAKS.split(text))
    return f"<code>{escaped}</code>"


def code_fence(body: str) -> str:
    """A backtick fence longer than any backtick run inside ``body``."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


# --------------------------------------------------------------------------- Mermaid

_MERMAID_KEYWORDS = frozenset(
    {
        "erdiagram",
        "title",
        "direction",
        "style",
        "classdef",
        "class",
        "acctitle",
        "accdescr",
        "end",
        "graph",
        "flowchart",
        "subgraph",
        "one",
        "zero",
        "many",
        "only",
        "to",
        "optionally",
        "u",
        "pk",
        "fk",
        "uk",
    }
)
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")


def mermaid_entities(names: Iterable[str]) -> dict[str, str]:
    """Unique Mermaid entity identifiers (``[A-Za-z_][A-Za-z0-9_]*``) for qualified names."""
    result: dict[str, str] = {}
    used: set[str] = set()
    for name in sorted(set(names)):
        schema, _, table = name.partition(".")
        base = table if schema == "public" else f"{schema}__{table}"
        ident = _NOT_WORD.sub("_", base) or "_"
        if ident[0].isdigit() or ident.casefold() in _MERMAID_KEYWORDS:
            ident = f"t_{ident}"
        candidate, n = ident, 2
        while candidate.casefold() in used:
            candidate, n = f"{ident}_{n}", n + 1
        used.add(candidate.casefold())
        result[name] = candidate
    return result


def mermaid_word(value: str) -> str:
    """An attribute name or type as a Mermaid word (letters, digits, ``_``, ``[]``)."""
    word = re.sub(r"\(.*?\)", "", value)
    word = word.rsplit(".", 1)[-1]
    word = re.sub(r"[^A-Za-z0-9_\[\]]", "_", word).strip("_") or "x"
    if not (word[0].isalpha() or word[0] == "_"):
        word = f"_{word}"
    return word


def mermaid_label(value: str) -> str:
    """A relationship label (quoted in the diagram): no quotes or specials inside."""
    return re.sub(r"[^A-Za-z0-9_ .-]", "_", value)[:60] or "_"
