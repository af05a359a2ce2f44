"""Which check of Supabase's linter (splinter) and of pgrls each rule corresponds to, for
the mapping table of ``docs/rules/README.md`` (a team migrating from either finds its
checks). Names are the tools' own identifiers; "related" marks a partial overlap."""

from __future__ import annotations

# rule id → (splinter lints, pgrls rules)
COUNTERPARTS: dict[str, tuple[str, str]] = {
    "auth-users-exposed": ("0002_auth_users_exposed", ""),
    "bypassrls-role": ("", "SEC016 (SEC023 related: a policy naming such a role)"),
    "duplicate-index": ("0009_duplicate_index", ""),
    "extension-in-public": ("0014_extension_in_public", ""),
    "fkey-to-auth-unique": ("0021_fkey_to_auth_unique", ""),
    "foreign-table-in-api": ("0017_foreign_table_in_api", ""),
    "function-search-path-mutable": (
        "0011_function_search_path_mutable",
        "SEC015 related (SECURITY DEFINER only)",
    ),
    "leakproof-function": ("", "SEC017"),
    "materialized-view-in-api": ("0016_materialized_view_in_api", "VIEW003 related"),
    "multiple-permissive-policies": ("0006_multiple_permissive_policies", ""),
    "no-primary-key": ("0004_no_primary_key", ""),
    "partition-bypasses-rls": ("", "SEC001 related (its partition case)"),
    "policy-command-uncovered": ("", "SEC022 related"),
    "policy-delete-role-unchecked": ("", ""),
    "policy-initplan": ("0003_auth_rls_initplan", "PERF001"),
    "policy-not-tenant-scoped": (
        "0024_rls_policy_always_true, 0030_rls_policy_null_auth_disjunct",
        "SEC003, SEC004, SEC005, SEC008, SEC011",
    ),
    "policy-user-metadata": ("0015_rls_references_user_metadata", ""),
    "realtime-publication-rls-off": ("", ""),
    "rls-disabled": ("0013_rls_disabled_in_public, 0007_policy_exists_rls_disabled", "SEC001"),
    "rls-no-policies": ("0008_rls_enabled_no_policy", "SEC009"),
    "rls-not-forced": ("", "SEC002"),
    "security-definer-function": (
        "0029_authenticated_security_definer_function_executable",
        "SEC014, SEC015",
    ),
    "security-definer-function-executable": (
        "0028_anon_security_definer_function_executable",
        "SEC014 related",
    ),
    "sensitive-columns-exposed": ("0023_sensitive_columns_exposed", ""),
    "tenant-column-missing": ("", ""),
    "tenant-column-nullable": ("", ""),
    "tenant-column-unindexed": ("0001_unindexed_foreign_keys related", "PERF003 related"),
    "tenant-existence-oracle": ("", ""),
    "tenant-root-insert": ("", ""),
    "unindexed-foreign-key": ("0001_unindexed_foreign_keys", ""),
    "view-bypasses-rls": ("0010_security_definer_view", "VIEW001 (VIEW003 for materialized views)"),
    "waiver-expired": ("", ""),
}

# Checks of theirs with no driftwatch rule, and why.
UNCOVERED: tuple[tuple[str, str], ...] = (
    (
        "splinter 0005_unused_index, 0020_table_bloat, 0030_autovacuum_disabled,"
        " 0031_unused_replication_slot, 0030_invalid_index",
        "need the server's runtime statistics, not the schema",
    ),
    (
        "splinter 0012_auth_allow_anonymous_sign_ins, 0025_public_bucket_allows_listing",
        "Supabase Auth / Storage settings, not the database schema",
    ),
    (
        "splinter 0018_unsupported_reg_types, 0022_extension_versions_outdated,"
        " 0025_pg17_deprecated_extensions",
        "upgrade checks, out of driftwatch's scope",
    ),
    (
        "splinter 0019_insecure_queue_exposed_in_api, 0026/0027 pg_graphql_*_table_exposed",
        "partly covered: the exposure model decides what the API roles reach for every rule",
    ),
    (
        "pgrls SEC006, SEC010, SEC012, SEC013, SEC018-SEC021, PERF002, HYG001-HYG003,"
        " VIEW002, VIEW004",
        "policy-hygiene checks; driftwatch judges what a policy admits per tenant instead"
        " (policy-not-tenant-scoped and the live probe)",
    ),
)
