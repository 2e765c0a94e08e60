-- Tether's first tables: the tenants it serves and the API keys that reach them.

-- The tenant of the current transaction, set per transaction with
--   SELECT set_config('app.tenant_id', '<uuid>', true);
-- It is NULL when nothing is set, so row-level security policies built on it match no row (fail closed).
CREATE FUNCTION current_tenant_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug       text NOT NULL CONSTRAINT tenants_slug_key UNIQUE
               CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text NOT NULL CONSTRAINT tenants_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Only the SHA-256 of a key is stored; the key itself is shown once, when it is created.
-- A NULL tenant_id marks an admin key, which manages tenants but reads no tenant's data.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid REFERENCES tenants (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '' CONSTRAINT api_keys_name_length CHECK (char_length(name) <= 200),
    key_hash     bytea NOT NULL CONSTRAINT api_keys_key_hash_key UNIQUE
                 CONSTRAINT api_keys_key_hash_length CHECK (octet_length(key_hash) = 32),
    key_prefix   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id);
