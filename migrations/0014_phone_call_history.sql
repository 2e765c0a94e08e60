-- Zoom retired GET /phone/call_logs on 2025-11-30; GET /phone/call_history replaces it (zoom-api.md §4.7,
-- DESIGN §6.2). The new stream has a table of its own. phone_call_logs keeps what was synced before the
-- retirement: it is no longer synced and stays readable over SQL until an operator drops it.
CREATE TABLE phone_call_history (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id    uuid NOT NULL,
    remote_id        text NOT NULL,
    call_id          text,
    direction        text,
    call_type        text,
    connect_type     text,
    call_result      text,
    started_at       timestamptz,
    answered_at      timestamptz,
    ended_at         timestamptz,
    duration_seconds bigint,
    caller_name      text,
    caller_number    text,
    caller_email     text,
    callee_name      text,
    callee_number    text,
    callee_email     text,
    site_name        text,
    department       text,
    recording_status text,
    raw              jsonb NOT NULL,
    content_hash     bytea NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT phone_call_history_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX phone_call_history_updated_idx ON phone_call_history (tenant_id, updated_at, id);
ALTER TABLE phone_call_history ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY phone_call_history_tenant ON phone_call_history
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- Each connection's stream moves to the new name with its interval, its permission and its missing scopes
-- (both endpoints take the same scopes); its history starts afresh, so the first sync backfills. Runs not yet
-- finished read the new stream instead. Tenant by tenant: row-level security applies to the migration too.
DO $$
DECLARE
    t uuid;
BEGIN
    FOR t IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        UPDATE connection_streams SET name = 'phone_call_history', state = 'idle', last_status = NULL, last_error = NULL,
            last_run_at = NULL, next_sync_at = NULL, watermark = NULL
        WHERE tenant_id = t AND name = 'phone_call_logs';
        UPDATE sync_run_streams s SET name = 'phone_call_history', cursor = NULL, status = 'pending'
        FROM sync_runs r
        WHERE s.tenant_id = t AND s.name = 'phone_call_logs' AND r.tenant_id = s.tenant_id AND r.id = s.run_id
          AND r.status IN ('queued', 'running');
        UPDATE sync_runs SET streams = array_replace(streams, 'phone_call_logs', 'phone_call_history')
        WHERE tenant_id = t AND status IN ('queued', 'running') AND 'phone_call_logs' = ANY (streams);
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END $$;
