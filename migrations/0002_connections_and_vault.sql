-- Connections, their sealed credentials, connect sessions and OAuth flows; row-level security on every
-- table that has a tenant_id.
--
-- Isolation: each transaction that touches tenant data first runs
--   SELECT set_config('app.tenant_id', '<uuid>', true);
-- and the policies below only show that tenant's rows. A few lookups happen before the tenant is known
-- (an API key, a connect link, an OAuth state): for those the caller sets app.lookup_hash to the hex
-- SHA-256 of the secret it holds, and a SELECT-only policy shows the one row whose hash matches. Knowing
-- the hash needs the secret, so this reveals nothing the caller could not already reach.

-- The SHA-256 (hex in app.lookup_hash) of the secret the current transaction looks a row up by; NULL when unset.
CREATE FUNCTION current_lookup_hash() RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT decode(nullif(current_setting('app.lookup_hash', true), ''), 'hex') $$;

-- Admin keys manage tenants and belong to none, so they get a table of their own (no tenant_id, no RLS);
-- api_keys keeps tenant keys only.
CREATE TABLE admin_api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text NOT NULL DEFAULT '' CONSTRAINT admin_api_keys_name_length CHECK (char_length(name) <= 200),
    key_hash     bytea NOT NULL CONSTRAINT admin_api_keys_key_hash_key UNIQUE
                 CONSTRAINT admin_api_keys_key_hash_length CHECK (octet_length(key_hash) = 32),
    key_prefix   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
INSERT INTO admin_api_keys (id, name, key_hash, key_prefix, created_at, last_used_at, revoked_at)
    SELECT id, name, key_hash, key_prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE tenant_id IS NULL;
DELETE FROM api_keys WHERE tenant_id IS NULL;
ALTER TABLE api_keys ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_pkey, ADD PRIMARY KEY (tenant_id, id);
DROP INDEX api_keys_tenant_id_idx;
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_tenant ON api_keys
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE POLICY api_keys_lookup ON api_keys FOR SELECT USING (key_hash = current_lookup_hash());

-- A connected account at a provider. One per tenant, provider and external account: connecting the same
-- account again reuses the row (and its id).
CREATE TABLE connections (
    tenant_id            uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    provider             text NOT NULL CONSTRAINT connections_provider_format CHECK (provider ~ '^[a-z0-9_]{1,32}$'),
    mode                 text NOT NULL CONSTRAINT connections_mode_values CHECK (mode IN ('platform', 'custom', 'server_to_server')),
    status               text NOT NULL CONSTRAINT connections_status_values
                         CHECK (status IN ('pending', 'active', 'needs_reauth', 'revoked', 'disabled', 'error')),
    status_reason        text,
    name                 text NOT NULL DEFAULT '' CONSTRAINT connections_name_length CHECK (char_length(name) <= 200),
    description          text NOT NULL DEFAULT '' CONSTRAINT connections_description_length CHECK (char_length(description) <= 2000),
    enabled              boolean NOT NULL DEFAULT true,
    external_account_id  text NOT NULL,
    -- The OAuth client (app) the tokens belong to: not secret, needed to refresh and to match deauthorizations.
    client_id            text NOT NULL,
    authorized_by_email  text,
    authorized_by_remote_user_id text,
    authorized_by_role   text,
    granted_scopes       text[] NOT NULL DEFAULT '{}',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT connections_account_key UNIQUE (tenant_id, provider, external_account_id)
);
CREATE INDEX connections_external_account_idx ON connections (provider, external_account_id);
ALTER TABLE connections ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY connections_tenant ON connections
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
-- A verified provider event (Zoom's app_deauthorized) names an external account, not a tenant: the
-- handler sets app.lookup_account to 'provider:account' to find every tenant's connection to it.
CREATE POLICY connections_account_lookup ON connections FOR SELECT
    USING (provider || ':' || external_account_id = nullif(current_setting('app.lookup_account', true), ''));

-- Per connection and stream: whether the granted scopes permit it, and how its syncs went.
CREATE TABLE connection_streams (
    tenant_id      uuid NOT NULL,
    connection_id  uuid NOT NULL,
    name           text NOT NULL,
    permitted      boolean NOT NULL,
    missing_scopes text[] NOT NULL DEFAULT '{}',
    state          text NOT NULL DEFAULT 'idle',
    last_run_at    timestamptz,
    PRIMARY KEY (tenant_id, connection_id, name),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE connection_streams ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY connection_streams_tenant ON connection_streams
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- The vault: every value here is sealed (AES-256-GCM, associated data = table, column, tenant, connection).
-- key_id names the key that sealed the row's values, so rotation progress can be counted; version grows
-- with every write, so a re-seal never overwrites a concurrent refresh.
CREATE TABLE connection_credentials (
    tenant_id               uuid NOT NULL,
    connection_id           uuid NOT NULL,
    access_token            bytea,
    access_token_expires_at timestamptz,
    refresh_token           bytea,
    client_secret           bytea,
    key_id                  text NOT NULL,
    version                 bigint NOT NULL DEFAULT 1,
    refreshed_at            timestamptz,
    refresh_failures        integer NOT NULL DEFAULT 0,
    next_refresh_attempt_at timestamptz,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, connection_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE connection_credentials ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY connection_credentials_tenant ON connection_credentials
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- A one-time link an SMP hands to a tenant admin; only the SHA-256 of its token is stored.
CREATE TABLE connect_sessions (
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    token_hash    bytea NOT NULL CONSTRAINT connect_sessions_token_hash_key UNIQUE
                  CONSTRAINT connect_sessions_token_hash_length CHECK (octet_length(token_hash) = 32),
    provider      text NOT NULL,
    mode          text NOT NULL CONSTRAINT connect_sessions_mode_values CHECK (mode IN ('platform', 'custom')),
    return_url    text,
    require_owner boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE connect_sessions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY connect_sessions_tenant ON connect_sessions
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE POLICY connect_sessions_lookup ON connect_sessions FOR SELECT USING (token_hash = current_lookup_hash());

-- One authorization-code flow, from the connect page to the callback (SECURITY.md O1): only hashes of the
-- state and of the browser cookie are stored; the PKCE verifier and a custom app's secret are sealed.
CREATE TABLE oauth_flows (
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    connect_session_id uuid NOT NULL,
    state_hash         bytea NOT NULL CONSTRAINT oauth_flows_state_hash_key UNIQUE
                       CONSTRAINT oauth_flows_state_hash_length CHECK (octet_length(state_hash) = 32),
    browser_hash       bytea NOT NULL CONSTRAINT oauth_flows_browser_hash_length CHECK (octet_length(browser_hash) = 32),
    provider           text NOT NULL,
    issuer             text NOT NULL,
    mode               text NOT NULL CONSTRAINT oauth_flows_mode_values CHECK (mode IN ('platform', 'custom')),
    client_id          text NOT NULL,
    client_secret      bytea,
    code_verifier      bytea,  -- cleared (with client_secret) once the flow has ended
    key_id             text NOT NULL,
    redirect_uri       text NOT NULL,
    return_url         text,
    require_owner      boolean NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    consumed_at        timestamptz,
    outcome            text,
    connection_id      uuid,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, connect_session_id) REFERENCES connect_sessions (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT oauth_flows_lifetime CHECK (expires_at <= created_at + interval '10 minutes')
);
ALTER TABLE oauth_flows ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY oauth_flows_tenant ON oauth_flows
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE POLICY oauth_flows_lookup ON oauth_flows FOR SELECT USING (state_hash = current_lookup_hash());

-- Provider webhook deliveries already processed, so an exact replay is acted on once.
CREATE TABLE webhook_deliveries (
    provider    text NOT NULL,
    digest      bytea NOT NULL CONSTRAINT webhook_deliveries_digest_length CHECK (octet_length(digest) = 32),
    event       text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, digest)
);
