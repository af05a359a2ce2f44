"""Module attributes loaded on first access (PEP 562): a package names what it offers
without importing the modules those names come from until one is used, so importing one
small module never drags in the whole stack (CLI start-up time)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def attributes(module: str, sources: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module``: ``name`` is taken from the module
    ``sources[name]``, imported then and kept in ``module``'s namespace. Any other name
    stays an AttributeError, which is also what lets ``from package import submodule``
    fall through to importing the submodule."""

    def __getattr__(name: str) -> Any:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        setattr(sys.modules[module], name, value)
        return value

    return __getattr__
