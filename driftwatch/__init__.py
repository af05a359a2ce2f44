"""driftwatch: schema drift and tenant-isolation watch for multi-tenant PostgreSQL."""

# The one place the version is written (pyproject.toml reads it); a literal rather than
# importlib.metadata, which costs 20 ms at every start of the CLI.
__version__ = "0.1.0"

__all__ = ["__version__"]
