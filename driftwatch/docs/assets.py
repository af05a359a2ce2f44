"""Files the MkDocs site serves itself: Mermaid's browser bundle, so diagrams draw offline.

mkdocs-material loads Mermaid from a CDN unless the page already defines ``mermaid``; the
generated ``mkdocs.yml`` lists ``_assets/mermaid.min.js`` in ``extra_javascript`` so it
never has to. The file comes from ``[docs] mermaid_js``, else from the copy installed with
driftwatch by ``scripts/fetch-mermaid.sh`` (the npm registry's ``mermaid``, pinned).
"""

from __future__ import annotations

import sys
from pathlib import Path

from driftwatch import config as configmod
from driftwatch.docs.site import ASSETS_DIR
from driftwatch.errors import ConfigError

STATIC = Path(__file__).resolve().parent / "static"
MERMAID = f"{ASSETS_DIR}/mermaid.min.js"


def mermaid_js(cfg: configmod.Config) -> dict[str, Path] | None:
    """DIR-relative name → source file of the assets to ship; None when there is none."""
    if cfg.docs.mermaid_js:
        src = Path(cfg.docs.mermaid_js)
        if not src.is_file():
            raise ConfigError(f"docs.mermaid_js: {src} is not a file")
        return {MERMAID: src}
    src = STATIC / "mermaid.min.js"
    if src.is_file():
        return {MERMAID: src}
    print(
        "driftwatch: warning: mermaid.min.js is not installed (scripts/fetch-mermaid.sh or"
        " [docs] mermaid_js); the site will load Mermaid from a CDN",
        file=sys.stderr,
    )
    return None
