"""Reference docs generation (``driftwatch docs``): per-object Markdown pages, a grouped
index, Mermaid ER diagrams and policy matrices, regenerated only where something changed."""

from driftwatch.docs.render import MANIFEST, RenderResult, render

__all__ = ["MANIFEST", "RenderResult", "render"]
