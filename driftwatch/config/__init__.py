"""Settings: the typed model of the TOML's sections, re-exported from ``config.model``.

Engines import this package for the model alone. Reading and checking a config file is
``driftwatch.config.load``; the options each part takes come from ``driftwatch.config.derive``.
Both sit above the engines (they check against them and build their options), so this
module imports neither.
"""

from driftwatch.config.model import (
    CLAIM_DEFAULT,
    DEFAULT_CONFIG_PATH,
    PLATFORM_ROLES_DEFAULT,
    ROLE_CLAIM_DEFAULT,
    SENSITIVE_COLUMNS_DEFAULT,
    Config,
    DeleteRoleCheck,
    DiffSettings,
    Docs,
    Exemption,
    Fleet,
    Limits,
    Migrations,
    Probe,
    Rules,
    RuleSeverity,
    Server,
    StoreSettings,
    Target,
    Tenancy,
    Waiver,
    parse_size,
    user_state_dir,
)
from driftwatch.errors import ConfigError

__all__ = [
    "CLAIM_DEFAULT",
    "DEFAULT_CONFIG_PATH",
    "PLATFORM_ROLES_DEFAULT",
    "ROLE_CLAIM_DEFAULT",
    "SENSITIVE_COLUMNS_DEFAULT",
    "Config",
    "ConfigError",
    "DeleteRoleCheck",
    "DiffSettings",
    "Docs",
    "Exemption",
    "Fleet",
    "Limits",
    "Migrations",
    "Probe",
    "RuleSeverity",
    "Rules",
    "Server",
    "StoreSettings",
    "Target",
    "Tenancy",
    "Waiver",
    "parse_size",
    "user_state_dir",
]
