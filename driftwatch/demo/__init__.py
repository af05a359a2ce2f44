"""The Nexus sample schema (``nexus.sql``), its broken companion, and the demo runner."""

from pathlib import Path

DEMO_DIR = Path(__file__).parent
NEXUS_SQL = DEMO_DIR / "nexus.sql"
NEXUS_BROKEN_SQL = DEMO_DIR / "nexus_broken.sql"

__all__ = ["DEMO_DIR", "NEXUS_BROKEN_SQL", "NEXUS_SQL"]
