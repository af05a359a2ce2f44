"""The config's typed model: one frozen dataclass per TOML section.

Every key is optional. Each section is a dataclass below; adding a setting means adding a
field with a default (and a line in ``docs/configuration.md``, which is generated from
these dataclasses and their field docs). Engines read these sections; reading the TOML
(``config.load``) and deriving each part's options (``config.derive``) sit above them.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from driftwatch.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config/driftwatch.toml")
CLAIM_DEFAULT = "auth.jwt() -> 'app_metadata' ->> 'organization_id'"
ROLE_CLAIM_DEFAULT = "auth.jwt() -> 'app_metadata' ->> 'org_role'"


def _doc(text: str, *, lo: int | None = None, hi: int | None = None) -> dict[str, Any]:
    """Field metadata: its line in docs/configuration.md, and the range of an integer."""
    meta: dict[str, Any] = {"doc": text}
    if lo is not None:
        meta["min"] = lo
    if hi is not None:
        meta["max"] = hi
    return meta


@dataclass(frozen=True)
class Exemption:
    table: str = field(metadata=_doc("qualified table name (globs allowed)"))
    reason: str = field(metadata=_doc("why the table is global; shown in reports"))


@dataclass(frozen=True)
class Waiver:
    rule: str = field(metadata=_doc("rule id the waiver silences"))
    object: str = field(metadata=_doc("object name (globs allowed)"))
    reason: str = field(metadata=_doc("why; shown in reports"))
    expires: str | None = field(
        default=None, metadata=_doc("YYYY-MM-DD; expired waivers are reported")
    )


@dataclass(frozen=True)
class Target:
    name: str = field(
        metadata={**_doc("target name; metric label and store key"), "nonempty": True}
    )
    dsn: str = field(default="", metadata=_doc("libpq URL or keyword string; use ${ENV}"))
    dsn_env: str = field(
        default="", metadata=_doc("environment variable holding the DSN (instead of dsn)")
    )
    dsn_file: str = field(
        default="", metadata=_doc("file holding the DSN, e.g. a mounted secret (instead of dsn)")
    )
    schedule: str = field(
        default="every 15m", metadata=_doc("'every 15m' / '30s' / '1h', or a 5-field cron")
    )
    schemas: list[str] = field(default_factory=lambda: ["*"], metadata=_doc("schema include globs"))
    exclude_schemas: list[str] = field(default_factory=list, metadata=_doc("schema exclude globs"))
    baseline: str | None = field(
        default=None, metadata=_doc("baseline for drift: a snapshot file or migrations:DIR")
    )
    docs_output: str | None = field(default=None, metadata=_doc("docs directory for this target"))
    probe: bool = field(
        default=False, metadata=_doc("allow the write-and-rollback isolation probe")
    )


@dataclass(frozen=True)
class Server:
    listen: str = field(
        default="127.0.0.1:9187", metadata=_doc("HOST:PORT of /metrics, /healthz, /readyz")
    )
    metrics_username: str = field(
        default="",
        metadata=_doc(
            "basic-auth user for /metrics (or $DRIFTWATCH_METRICS_USERNAME); needs a password"
        ),
    )
    metrics_password: str = field(
        default="",
        metadata=_doc("basic-auth password for /metrics (or $DRIFTWATCH_METRICS_PASSWORD)"),
    )
    metrics_token: str = field(
        default="",
        metadata=_doc(
            "bearer token for /metrics (or $DRIFTWATCH_METRICS_TOKEN); either credential is accepted"
        ),
    )
    jitter_max: str = field(
        default="30s",
        metadata=_doc("each run starts up to 10% of its interval late, at most this much"),
    )
    backoff_max: str = field(
        default="1h",
        metadata=_doc(
            "a failing target is retried on every 1st, 2nd, 4th… tick, waiting at most this long"
        ),
    )
    shutdown_timeout: str = field(
        default="30s",
        metadata=_doc("on SIGTERM/SIGINT, how long a running snapshot may take to finish"),
    )
    http_connection_limit: int = field(
        default=100,
        metadata=_doc(
            "most open HTTP connections; more wait in the listen backlog", lo=1, hi=10000
        ),
    )
    http_idle_timeout: str = field(
        default="15s", metadata=_doc("an HTTP connection idle this long is closed")
    )
    http_header_timeout: str = field(
        default="10s",
        metadata=_doc(
            "a request whose header has not all arrived this long after it began is closed"
        ),
    )
    finding_info_severity: str = field(
        default="warning",
        metadata=_doc("lowest severity given driftwatch_finding_info series (error|warning|info)"),
    )


@dataclass(frozen=True)
class DeleteRoleCheck:
    tables: list[str] = field(
        default_factory=list,
        metadata=_doc("tables (globs) whose DELETE policies must also check the role claim"),
    )
    claim: str = field(
        default=ROLE_CLAIM_DEFAULT, metadata=_doc("SQL expression of the role claim")
    )
    roles: list[str] = field(
        default_factory=lambda: ["owner", "admin"], metadata=_doc("roles allowed to delete")
    )


@dataclass(frozen=True)
class Tenancy:
    column: str = field(default="organization_id", metadata=_doc("tenant column"))
    claim: str = field(default=CLAIM_DEFAULT, metadata=_doc("SQL expression of the tenant claim"))
    root_table: str = field(
        default="organizations",
        metadata=_doc(
            "tenancy root table (scoped by its PK); the tables the tenant column references are roots too"
        ),
    )
    app_roles: list[str] = field(
        default_factory=lambda: ["authenticated", "anon"], metadata=_doc("roles the app uses")
    )
    exposed_schemas: list[str] = field(
        default_factory=lambda: ["public"], metadata=_doc("schemas reachable through the API")
    )
    tenant_roles: list[str] = field(
        default_factory=list,
        metadata=_doc(
            "app roles that need a policy for every command they hold on a tenant table"
            " (policy-command-uncovered reports each missing one)"
        ),
    )
    exempt: list[Exemption] = field(
        default_factory=list, metadata=_doc("global tables exempt from tenancy rules")
    )
    waivers: list[Waiver] = field(default_factory=list, metadata=_doc("accepted findings"))
    trusted_functions: list[str] = field(
        default_factory=list,
        metadata=_doc(
            "escape hatch: helpers taken on trust as scoping the tenant, e.g. 'private.is_org_member(organization_id)'"
            " (helpers are otherwise proved from their SQL bodies); a zero-argument one compared with"
            " the tenant column stands for the claim"
        ),
    )
    delete_role_check: DeleteRoleCheck = field(
        default_factory=DeleteRoleCheck,
        metadata=_doc("tables whose DELETE must also check a role claim (owner/admin)"),
    )


@dataclass(frozen=True)
class RuleSeverity:
    rule: str = field(metadata=_doc("rule id"))
    severity: str = field(metadata=_doc("error | warning | info"))

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warning", "info"):
            raise ConfigError(
                f"rules.severity: {self.severity!r} for {self.rule!r} is not error, warning or info"
            )


# Column names that hold secrets or personal data; `sensitive-columns-exposed` matches
# them case-insensitively as globs on the column name.
SENSITIVE_COLUMNS_DEFAULT: tuple[str, ...] = (
    "password",
    "*password_hash",
    "passwd",
    "*secret",
    "secret_*",
    "*token",
    "api_key",
    "*_api_key",
    "apikey",
    "private_key",
    "*_private_key",
    "ssn",
    "social_security_number",
    "tax_id",
    "passport_number",
    "national_id",
    "card_number",
    "credit_card*",
    "cc_number",
    "cvv",
    "cvc",
    "iban",
    "bank_account_number",
    "otp",
    "totp_*",
    "recovery_codes",
)
# Roles of the platform that bypass RLS by design (Supabase, RDS, Cloud SQL, Azure).
PLATFORM_ROLES_DEFAULT: tuple[str, ...] = (
    "postgres",
    "service_role",
    "supabase_*",
    "dashboard_user",
    "rdsadmin",
    "rds_superuser",
    "cloudsqladmin",
    "cloudsqlsuperuser",
    "azure_*",
)


@dataclass(frozen=True)
class Rules:
    enable: list[str] = field(
        default_factory=lambda: ["*"], metadata=_doc("rule ids (globs) to run")
    )
    disable: list[str] = field(default_factory=list, metadata=_doc("rule ids (globs) to skip"))
    severity: list[RuleSeverity] = field(
        default_factory=list, metadata=_doc("severity overrides: [{ rule = ..., severity = ... }]")
    )
    allow_security_definer: list[str] = field(
        default_factory=list,
        metadata=_doc(
            "SECURITY DEFINER functions (globs on 'schema.name(args)') the app roles may execute"
        ),
    )
    sensitive_columns: list[str] = field(
        default_factory=lambda: list(SENSITIVE_COLUMNS_DEFAULT),
        metadata=_doc("column names (globs) that hold secrets or PII (sensitive-columns-exposed)"),
    )
    platform_roles: list[str] = field(
        default_factory=lambda: list(PLATFORM_ROLES_DEFAULT),
        metadata=_doc("roles (globs) allowed to bypass RLS: the platform's own (bypassrls-role)"),
    )


@dataclass(frozen=True)
class Docs:
    output: str = field(default="reference/database", metadata=_doc("docs output directory"))
    groups: str | None = field(
        default=None,
        metadata=_doc(
            "table groups file (a relative path is read from the config file's folder);"
            ' none: every table is listed under "Other"'
        ),
    )
    baseline: str = field(
        default="reference/database/schema.json", metadata=_doc("documented baseline snapshot")
    )
    templates: str | None = field(
        default=None, metadata=_doc("directory of your own *.md.j2 templates")
    )
    rule_docs: str = field(
        default="",
        metadata=_doc(
            "finding links: empty writes the rule pages into <output>/_rules and links"
            " there; else an http(s) URL base (<base>/<rule>.md) or a URL with {rule}"
        ),
    )
    mkdocs: bool = field(
        default=False, metadata=_doc("also write an mkdocs.yml (nav by table group)")
    )
    mkdocs_config: str | None = field(
        default=None, metadata=_doc("path of that mkdocs.yml; default: beside the output dir")
    )
    mermaid_js: str | None = field(
        default=None,
        metadata=_doc(
            "mermaid.min.js the MkDocs site ships (default: the one installed with driftwatch)"
        ),
    )
    site_name: str = field(
        default="Database reference", metadata=_doc("title of the index and the MkDocs site")
    )
    er_neighbours: int = field(
        default=30,
        metadata=_doc("most neighbour tables drawn in a page's ER diagram (0-1000)", lo=0, hi=1000),
    )


@dataclass(frozen=True)
class Probe:
    claim_path: str | None = field(
        default=None,
        metadata=_doc(
            "dotted JWT claim path of the tenant id (default: derived from tenancy.claim)"
        ),
    )
    claims: str = field(
        default="{}",
        metadata=_doc(
            "extra JWT claims (a JSON object) merged into every impersonated tenant's claims,"
            ' e.g. \'{"app_metadata": {"org_role": "owner"}}\''
        ),
    )
    exclude_tables: list[str] = field(
        default_factory=list,
        metadata=_doc(
            "tables (globs on schema.table) never probed, e.g. ones whose triggers call out"
        ),
    )
    statement_timeout_ms: int = field(
        default=5000, metadata=_doc("statement_timeout of every probe transaction", lo=1)
    )
    lock_timeout_ms: int = field(
        default=1000, metadata=_doc("lock_timeout of every probe transaction", lo=1)
    )
    blind_max_rows: int = field(
        default=10_000,
        metadata=_doc(
            "largest table (estimated rows) on which the probe tries an UPDATE without WHERE",
            lo=0,
        ),
    )


@dataclass(frozen=True)
class Migrations:
    scratch_url: str | None = field(
        default=None,
        metadata=_doc(
            "server for migration replay: a fresh database is created there and dropped "
            "(default: a throwaway PostgreSQL)"
        ),
    )
    server: str = field(
        default="auto",
        metadata=_doc(
            "throwaway kind when no scratch_url: auto (the target's major if available), embedded, local"
        ),
    )
    cache: bool = field(default=True, metadata=_doc("cache replayed snapshots under state_dir"))
    folder: str | None = field(
        default=None,
        metadata=_doc(
            "the project's migrations folder (e.g. supabase/migrations): SARIF results point"
            " at the file and line that created each object"
        ),
    )


@dataclass(frozen=True)
class DiffSettings:
    ignore_schemas: list[str] = field(
        default_factory=list, metadata=_doc("schema globs whose changes diff ignores")
    )
    ignore_objects: list[str] = field(
        default_factory=list, metadata=_doc("object globs (e.g. 'public.audit_*') diff ignores")
    )
    ignore_kinds: list[str] = field(
        default_factory=list,
        metadata=_doc("change kinds diff ignores (grant, index, trigger, ...)"),
    )
    strict_order: bool = field(default=False, metadata=_doc("report column order changes as drift"))


@dataclass(frozen=True)
class StoreSettings:
    keep_snapshots: int = field(
        default=500, metadata=_doc("snapshot bodies kept per target (0: no limit)", lo=0)
    )
    keep_runs: int = field(default=5000, metadata=_doc("runs kept per target (0: no limit)", lo=0))
    max_age_days: int = field(
        default=90,
        metadata=_doc(
            "drop history older than this (0: keep); the latest snapshot is always kept", lo=0
        ),
    )


@dataclass(frozen=True)
class Fleet:
    enabled: bool = field(
        default=False,
        metadata=_doc(
            "take a per-target lease in the PostgreSQL store before each run, so that N serve"
            " replicas snapshot each target once per interval (docs/fleet.md)"
        ),
    )
    lease_timeout: str = field(
        default="30m",
        metadata=_doc(
            "a run holding its lease longer than this loses it (the store ends its session)"
        ),
    )
    discover_sql: str = field(
        default="",
        metadata=_doc(
            "query returning one row per extra target: name, dsn_env or dsn_file; optional"
            " schedule, schemas, exclude_schemas, baseline, docs_output"
        ),
    )
    discover_url: str = field(
        default="", metadata=_doc("database discover_sql runs on (default: store_url)")
    )
    credentials_dir: str = field(
        default="", metadata=_doc("if set, a discovered dsn_file must lie inside this directory")
    )
    schedule: str = field(
        default="every 15m", metadata=_doc("schedule of discovered targets whose row has none")
    )
    schemas: list[str] = field(
        default_factory=lambda: ["*"],
        metadata=_doc("schema include globs of discovered targets whose row has none"),
    )


_SIZE = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB|kB|MB|GB)?\s*$")
_SIZE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "kB": 1000}
_SIZE_UNITS |= {"MB": 1000**2, "GB": 1000**3}


def parse_size(text: str, where: str) -> int:
    """``"1GiB"``, ``"64 KiB"``, ``"500MB"``, ``"4096"`` → bytes (a ConfigError otherwise)."""
    m = _SIZE.match(text)
    if not m or int(m[1]) == 0:
        raise ConfigError(f"{where}: {text!r} is not a size (e.g. 64KiB, 256MiB, 1GiB)")
    return int(m[1]) * _SIZE_UNITS[m[2] or "B"]


@dataclass(frozen=True)
class Limits:
    snapshot_size: str = field(
        default="1GiB",
        metadata=_doc("largest snapshot file read (diff, check, docs --snapshot, baselines)"),
    )
    file_size: str = field(
        default="256MiB",
        metadata=_doc("largest other input file read (table groups, migration .sql files)"),
    )
    dsn_file_size: str = field(default="64KiB", metadata=_doc("largest dsn_file read"))

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            parse_size(getattr(self, f.name), f"limits.{f.name}")

    def bytes(self, name: str) -> int:
        return parse_size(getattr(self, name), f"limits.{name}")


@dataclass(frozen=True)
class Config:
    state_dir: str = field(
        default="",
        metadata=_doc(
            "embedded SQLite store and run files; default $DRIFTWATCH_STATE_DIR, else"
            " $XDG_STATE_HOME/driftwatch (~/.local/state/driftwatch); relative: to the cwd"
        ),
    )
    store_url: str | None = field(
        default=None, metadata=_doc("SQLAlchemy URL; default sqlite under state_dir")
    )
    targets: list[Target] = field(default_factory=list)
    server: Server = field(default_factory=Server)
    tenancy: Tenancy = field(default_factory=Tenancy)
    docs: Docs = field(default_factory=Docs)
    diff: DiffSettings = field(default_factory=DiffSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    migrations: Migrations = field(default_factory=Migrations)
    rules: Rules = field(default_factory=Rules)
    probe: Probe = field(default_factory=Probe)
    fleet: Fleet = field(default_factory=Fleet)
    limits: Limits = field(default_factory=Limits)
    source: str | None = field(default=None, metadata=_doc("(internal) file the config came from"))

    def target(self, name: str) -> Target:
        for t in self.targets:
            if t.name == name:
                return t
        known = ", ".join(t.name for t in self.targets) or "none configured"
        raise ConfigError(f"unknown target {name!r} (known: {known})")

    @property
    def state_path(self) -> Path:
        """``state_dir``, or the per-user state directory when it is not set."""
        return Path(self.state_dir) if self.state_dir else user_state_dir()

    @property
    def effective_store_url(self) -> str:
        return self.store_url or f"sqlite:///{self.state_path / 'driftwatch.db'}"


def user_state_dir() -> Path:
    """``$DRIFTWATCH_STATE_DIR``, else ``$XDG_STATE_HOME/driftwatch``, else
    ``~/.local/state/driftwatch`` (the XDG base directories' per-user state)."""
    own = os.environ.get("DRIFTWATCH_STATE_DIR", "")
    if own:
        return Path(own)
    base = os.environ.get("XDG_STATE_HOME", "")
    if not base or not Path(base).is_absolute():  # the spec ignores a relative value
        base = str(Path.home() / ".local" / "state")
    return Path(base) / "driftwatch"
