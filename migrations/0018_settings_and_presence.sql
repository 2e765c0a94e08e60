-- Each user's settings (GET /users/{id}/settings, DESIGN §6.2): one row per user, keyed by the user's Zoom id,
-- with the whole settings object in raw. The route users/{id}/settings reads it by user_remote_id.
CREATE TABLE user_settings (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id    uuid NOT NULL,
    remote_id        text NOT NULL,
    user_remote_id   text,
    meeting_capacity bigint,
    large_meeting    boolean,
    webinar          boolean,
    zoom_phone       boolean,
    cloud_recording  boolean,
    auto_recording   text,
    waiting_room     boolean,
    raw              jsonb NOT NULL,
    content_hash     bytea NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT user_settings_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_settings_updated_idx ON user_settings (tenant_id, updated_at, id);
ALTER TABLE user_settings ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY user_settings_tenant ON user_settings
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE INDEX user_settings_user_idx ON user_settings (tenant_id, connection_id, user_remote_id);

-- The account's settings (GET /accounts/me/settings): one row per connection.
CREATE TABLE account_settings (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id    uuid NOT NULL,
    remote_id        text NOT NULL,
    waiting_room     boolean,
    e2e_encryption   boolean,
    require_meeting_password boolean,
    password_minimum_length bigint,
    cloud_recording  boolean,
    auto_recording   text,
    recording_retention_days bigint,
    raw              jsonb NOT NULL,
    content_hash     bytea NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT account_settings_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX account_settings_updated_idx ON account_settings (tenant_id, updated_at, id);
ALTER TABLE account_settings ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY account_settings_tenant ON account_settings
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- Each licensed active user's presence (GET /users/{id}/presence_status), keyed by the user's Zoom id. The
-- users list reads presence_status from here by (connection_id, remote_id), the table's unique key.
CREATE TABLE user_presence (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id    uuid NOT NULL,
    remote_id        text NOT NULL,
    user_remote_id   text,
    status           text,
    until_at         timestamptz,
    raw              jsonb NOT NULL,
    content_hash     bytea NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT user_presence_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_presence_updated_idx ON user_presence (tenant_id, updated_at, id);
CREATE INDEX user_presence_user_idx ON user_presence (tenant_id, connection_id, user_remote_id);
ALTER TABLE user_presence ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY user_presence_tenant ON user_presence
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
