"""SQL text of a migration file: statements with their line numbers, and what they mention.

Statements are split by pglast's scanner (not by regex), so semicolons inside strings,
dollar-quoted bodies and comments are never split on; the server stays the judge of syntax.
pglast reports character offsets (tokens include comments, which are skipped here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pglast
from pglast import parser

_COMMENTS = frozenset({"SQL_COMMENT", "C_COMMENT"})


@dataclass(frozen=True)
class Statement:
    text: str
    line: int  # 1-based line of the statement's first token in its file
    start_line: int  # 1-based line where ``text`` begins (a leading comment may come first)


@dataclass(frozen=True)
class Mentions:
    """Names a script mentions, to decide which Supabase platform pieces it expects."""

    qualifiers: frozenset[str] = field(default_factory=frozenset)  # names followed by '.'
    identifiers: frozenset[str] = field(default_factory=frozenset)
    created_schemas: frozenset[str] = field(default_factory=frozenset)
    created_roles: frozenset[str] = field(default_factory=frozenset)


def split(sql: str) -> list[Statement]:
    """The statements of ``sql`` in order; an unscannable script is one statement."""
    slices: tuple[slice, ...]
    try:
        slices = tuple(
            s
            for s in parser.split(sql, with_parser=False, only_slices=True)
            if isinstance(s, slice)
        )
    except parser.ParseError:
        slices = (slice(0, len(sql)),)
    out = []
    for s in slices:
        text = sql[s]
        if not text.strip():
            continue
        start_line = sql.count("\n", 0, s.start) + 1
        first = _first_token_offset(text)
        line = start_line + text[:first].count("\n") if first is not None else start_line
        out.append(Statement(text=text, line=line, start_line=start_line))
    return out


def _first_token_offset(text: str) -> int | None:
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return None
    for tok in tokens:
        if tok.name not in _COMMENTS:
            return int(tok.start)
    return None


def line_of_position(stmt: Statement, position: int) -> int:
    """The file line of the server's 1-based character ``position`` inside ``stmt``."""
    return stmt.start_line + stmt.text[: max(position - 1, 0)].count("\n")


def _ident(text: str) -> str:
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return text[1:-1].replace('""', '"')
    return text.lower()


def mentions(sql: str) -> Mentions:
    """Identifiers, qualifiers (``auth`` in ``auth.uid()``), created schemas and roles.

    Dollar-quoted bodies (functions, DO blocks) are scanned too, since their SQL is checked
    or run when the statement executes.
    """
    quals: set[str] = set()
    idents: set[str] = set()
    schemas: set[str] = set()
    roles: set[str] = set()
    pending = [sql]
    while pending:
        text = pending.pop()
        try:
            tokens = [t for t in parser.scan(text) if t.name not in _COMMENTS]
        except parser.ParseError:
            continue
        words: list[str | None] = []
        for i, tok in enumerate(tokens):
            chunk = text[tok.start : tok.end + 1]
            if tok.name == "SCONST" and chunk.startswith("$"):
                tag_end = chunk.find("$", 1)
                if tag_end > 0:
                    pending.append(chunk[tag_end + 1 : len(chunk) - tag_end - 1])
                words.append(None)
                continue
            if tok.name == "IDENT" or tok.kind != "NO_KEYWORD":
                word = _ident(chunk)
                words.append(word)
                idents.add(word)
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt is not None and nxt.name == "ASCII_46":
                    quals.add(word)
            else:
                words.append(None)
        for i in range(len(words) - 2):
            if words[i] == "create" and words[i + 1] in ("schema", "role", "user"):
                j = i + 2
                if words[j : j + 3] == ["if", "not", "exists"]:
                    j += 3
                if j < len(words) and words[j]:
                    (schemas if words[i + 1] == "schema" else roles).add(words[j] or "")
    return Mentions(frozenset(quals), frozenset(idents), frozenset(schemas), frozenset(roles))


@dataclass(frozen=True)
class CreateExtension:
    name: str
    schema: str | None


def create_extension(stmt: Statement) -> CreateExtension | None:
    """The extension a ``CREATE EXTENSION`` statement installs, else None."""
    try:
        tokens = [t for t in parser.scan(stmt.text) if t.name not in _COMMENTS]
    except parser.ParseError:
        return None
    if len(tokens) < 2 or tokens[0].name != "CREATE" or tokens[1].name != "EXTENSION":
        return None
    try:
        tree = pglast.parse_sql(stmt.text)
    except parser.ParseError:
        return None
    if len(tree) != 1:
        return None
    node = tree[0].stmt
    if type(node).__name__ != "CreateExtensionStmt":
        return None
    schema = None
    for opt in node.options or ():
        if opt.defname == "schema":
            schema = opt.arg.sval
    return CreateExtension(name=node.extname, schema=schema)
