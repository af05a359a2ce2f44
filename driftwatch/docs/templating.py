"""The Jinja2 environment of the docs: StrictUndefined, Markdown-escaping filters,
package templates overridable file by file from a user directory."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2

from driftwatch.docs.naming import code_fence, md_code, md_text
from driftwatch.docs.pages import covered
from driftwatch.errors import ConfigError

TEMPLATES = ("_macros.md.j2", "index.md.j2", "table.md.j2", "view.md.j2", "function.md.j2")


class Templates:
    def __init__(self, user_dir: str | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if user_dir:
            if not Path(user_dir).is_dir():
                raise ConfigError(f"docs.templates: {user_dir} is not a directory")
            loaders.append(jinja2.FileSystemLoader(user_dir))
        loaders.append(jinja2.PackageLoader("driftwatch.docs", "templates"))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["text"] = md_text
        self.env.filters["code"] = md_code
        self.env.filters["fence"] = code_fence
        self.env.filters["covered"] = covered
        self._compiled: dict[str, jinja2.Template] = {}
        h = hashlib.sha256()
        for name in TEMPLATES:
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                raise ConfigError(f"docs template {name} not found") from None
            h.update(name.encode() + b"\0" + source.encode() + b"\0")
        self.digest = h.hexdigest()

    def render(self, name: str, context: dict[str, Any]) -> bytes:
        try:
            template = self._compiled.get(name)
            if template is None:
                template = self._compiled[name] = self.env.get_template(name)
            text = template.render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"docs template {exc.name or name} line {exc.lineno}: {exc.message}"
            ) from None
        except jinja2.UndefinedError as exc:
            raise ConfigError(f"docs template {name}: {exc.message}") from None
        return _tidy(text).encode("utf-8")


def _tidy(text: str) -> str:
    """At most one blank line in a row, exactly one newline at the end."""
    out: list[str] = []
    blank = False
    in_fence = ""
    for line in text.split("\n"):
        stripped = line.rstrip()
        if in_fence:
            out.append(line)
            if stripped == in_fence:
                in_fence = ""
            continue
        if stripped.startswith("```"):
            in_fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            out.append(stripped)
            blank = False
            continue
        if not stripped:
            if not blank and out:
                out.append("")
            blank = True
            continue
        blank = False
        out.append(stripped)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
