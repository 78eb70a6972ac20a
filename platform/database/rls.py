"""Row-level security for venue-owned tables (PostgreSQL only), used by migrations.

The policies do not trust a setting the web role could write itself. A transaction's
scope (one venue, or every venue) is entered only through ``app.enter_scope``, a
``SECURITY DEFINER`` function that accepts a claim (``venue:<id>`` or ``all-venues``)
only with the application's HMAC of it, made with a key held in ``app.scope_keys``, a
table only the owner can read. It then stores the claim with a seal (the HMAC of the
claim, the backend and the transaction's start) in transaction-local settings; the
policies read the claim through ``app.current_tenant()`` and ``app.all_venues()``, which
give nothing when the seal does not match. A ``set_config`` written by hand — another
venue's id, ``app.scopes_disabled``, a copied seal — therefore matches no row: the
policies fail closed. See docs/tenant-isolation.md.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

POLICY_NAME = "tenant_isolation"
#: The policy of PostgreSQL's first wall, before the sealed scope: kept for the
#: migrations that restore it on downgrade.
LEGACY_POLICY_PREDICATE = (
    "(current_setting('app.scopes_disabled', true) = 'on' "
    "OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)"
)
#: Every venue (platform work inside a signed ``all-venues`` scope) or this row's venue.
#: Each function runs once per statement (an init plan), and the comparison keeps the
#: ``tenant_id`` indexes usable.
ALL_VENUES = "(select app.all_venues())"
CURRENT_TENANT = "(select app.current_tenant())"
POLICY_PREDICATE = f"({ALL_VENUES} OR tenant_id = {CURRENT_TENANT})"

#: The schema, key table and functions of the sealed scope; idempotent, so that the first
#: migration to enable row-level security and the one that brought the seal both create it.
#: The functions keep PostgreSQL's default PARALLEL UNSAFE on purpose: the seal names the
#: backend, and a parallel worker (another backend) would find it broken and see nothing.
SCOPE_FUNCTIONS = [
    "CREATE SCHEMA IF NOT EXISTS app",
    "REVOKE ALL ON SCHEMA app FROM PUBLIC",
    # The HMAC key, as its two padded halves (key XOR ipad, key XOR opad), so that HMAC-SHA256
    # is two calls of the built-in sha256(); one row. Only the owner reads it.
    "CREATE TABLE IF NOT EXISTS app.scope_keys ("
    " id integer PRIMARY KEY CHECK (id = 1), inner_pad bytea NOT NULL, outer_pad bytea NOT NULL)",
    "REVOKE ALL ON app.scope_keys FROM PUBLIC",
    # Until the application's key is stored (neutralpoint db upgrade), a random one that
    # nobody holds: every scope is refused, nothing is visible.
    "INSERT INTO app.scope_keys (id, inner_pad, outer_pad) VALUES (1,"
    " sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8'))"
    " || sha256(convert_to(gen_random_uuid()::text, 'UTF8')),"
    " sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8'))"
    " || sha256(convert_to(gen_random_uuid()::text, 'UTF8'))) ON CONFLICT (id) DO NOTHING",
    """
    CREATE OR REPLACE FUNCTION app.hmac(message text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(message, 'UTF8'))), 'hex')
        FROM app.scope_keys k WHERE k.id = 1
    $$
    """,
    # What a seal is bound to: this backend and this transaction's start, so that a seal
    # read in one transaction is worth nothing in any other.
    """
    CREATE OR REPLACE FUNCTION app.seal(claim text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT app.hmac('seal:' || claim || ':' || pg_backend_pid()::text || ':'
            || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION app.enter_scope(tenant uuid, every_venue boolean, signature text) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
        claim text := CASE WHEN every_venue THEN 'all-venues' WHEN tenant IS NOT NULL
                      THEN 'venue:' || tenant::text END;
    BEGIN
        IF claim IS NULL THEN
            PERFORM set_config('app.scope', '', true), set_config('app.scope_seal', '', true);
            RETURN '';
        END IF;
        IF signature IS NULL OR signature IS DISTINCT FROM app.hmac(claim) THEN
            -- A role that bypasses row-level security anyway (a superuser running a script
            -- against a database whose key it does not hold) needs no scope.
            IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = session_user) THEN
                RETURN '';
            END IF;
            RAISE EXCEPTION 'scope % refused: not signed by the application', claim
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM set_config('app.scope', claim, true), set_config('app.scope_seal', app.seal(claim), true);
        RETURN claim;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION app.scope_claim() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
        SELECT c.claim FROM (SELECT nullif(current_setting('app.scope', true), '') AS claim) c
        WHERE c.claim IS NOT NULL AND current_setting('app.scope_seal', true) = app.seal(c.claim)
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION app.current_tenant() RETURNS uuid
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
        SELECT CASE WHEN c LIKE 'venue:%' THEN substr(c, 7)::uuid END FROM app.scope_claim() c
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION app.all_venues() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
        SELECT coalesce(app.scope_claim() = 'all-venues', false)
    $$
    """,
    # For the owner's data migrations (FORCE ROW LEVEL SECURITY applies to the owner too):
    # it reads the key itself, which only the owner may.
    """
    CREATE OR REPLACE FUNCTION app.owner_enters_every_venue() RETURNS text
    LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        PERFORM 1 FROM app.scope_keys;
        PERFORM set_config('app.scope', 'all-venues', true),
                set_config('app.scope_seal', app.seal('all-venues'), true);
        RETURN 'all-venues';
    END
    $$
    """,
    "REVOKE ALL ON FUNCTION app.hmac(text) FROM PUBLIC",
    "REVOKE ALL ON FUNCTION app.seal(text) FROM PUBLIC",
    "REVOKE ALL ON FUNCTION app.owner_enters_every_venue() FROM PUBLIC",
]

#: What the web role may use of the schema (``neutralpoint.database.migrate.grant_app_role``).
WEB_ROLE_GRANTS = [
    "GRANT USAGE ON SCHEMA app TO {role}",
    "GRANT EXECUTE ON FUNCTION app.enter_scope(uuid, boolean, text) TO {role}",
    "GRANT EXECUTE ON FUNCTION app.scope_claim() TO {role}",
    "GRANT EXECUTE ON FUNCTION app.current_tenant() TO {role}",
    "GRANT EXECUTE ON FUNCTION app.all_venues() TO {role}",
]


def ensure_scope_functions() -> None:
    """Create the sealed scope's schema, key table and functions if they are not there yet."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in SCOPE_FUNCTIONS:
        bind.execute(text(statement))


def see_every_venue() -> None:
    """Let the owner's data migration reach every venue's rows in its transaction."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(text("select app.owner_enters_every_venue()"))


def enable_tenant_rls(table: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    ensure_scope_functions()
    bind.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
    bind.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
    bind.execute(
        text(f'CREATE POLICY {POLICY_NAME} ON "{table}" USING {POLICY_PREDICATE} WITH CHECK {POLICY_PREDICATE}')
    )


def venue_rows_policies(column: str = "venue_id") -> dict[str, str]:
    """Policies of a platform table whose rows name a venue in ``column``: anyone reads them;
    only that venue's own scope, or platform work, adds, changes or removes one."""
    own = f"({ALL_VENUES} OR {column} = {CURRENT_TENANT})"
    return {
        "venue_rows_read": "FOR SELECT USING (true)",
        "venue_rows_add": f"FOR INSERT WITH CHECK {own}",
        "venue_rows_change": f"FOR UPDATE USING {own} WITH CHECK {own}",
        "venue_rows_removal": f"FOR DELETE USING {own}",
    }


def enable_venue_rows_rls(table: str, column: str = "venue_id") -> None:
    """Row-level security for a platform table whose rows name a venue (``venue_rows_policies``)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    ensure_scope_functions()
    bind.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
    bind.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
    for name, definition in venue_rows_policies(column).items():
        bind.execute(text(f'CREATE POLICY {name} ON "{table}" {definition}'))


def disable_tenant_rls(table: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.execute(text(f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"'))
    bind.execute(text(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY'))
    bind.execute(text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))
