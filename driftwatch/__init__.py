"""driftwatch: schema drift and tenant-isolation watch for multi-tenant PostgreSQL."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("driftwatch")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
