-- The sync engine: runs (which double as the job queue), per-stream progress, the ids a snapshot has seen,
-- shared daily rate-limit counters, and one normalized table per synced entity.
--
-- Queue access: a worker claims runs of every tenant, so sync_runs has a second policy that shows all runs
-- to a transaction that set app.queue to 'worker'. Runs hold ids, states and counts, never synced data;
-- every read or write of synced data still happens in a transaction scoped to one tenant.

-- How each connection's streams are scheduled and where windowed streams stand.
ALTER TABLE connections
    ADD COLUMN rate_limit_plan text NOT NULL DEFAULT 'pro'
        CONSTRAINT connections_rate_limit_plan_values CHECK (rate_limit_plan IN ('free', 'pro', 'business'));
ALTER TABLE connection_streams
    -- Seconds between scheduled syncs; NULL uses the stream's default (directory hourly, reports daily).
    ADD COLUMN interval_seconds integer CONSTRAINT connection_streams_interval_positive CHECK (interval_seconds >= 60),
    ADD COLUMN next_sync_at timestamptz,
    -- Windowed streams: the last day whose data has been fetched completely.
    ADD COLUMN watermark date,
    ADD COLUMN last_status text,
    ADD COLUMN last_error text;

CREATE TABLE sync_runs (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id uuid NOT NULL,
    streams       text[] NOT NULL,
    trigger       text NOT NULL CONSTRAINT sync_runs_trigger_values CHECK (trigger IN ('manual', 'schedule', 'connect')),
    status        text NOT NULL DEFAULT 'queued'
                  CONSTRAINT sync_runs_status_values CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed')),
    -- The queue: a queued run becomes claimable at run_at; a running one belongs to locked_by for its
    -- attempt until locked_until (extended by heartbeats). Every write a worker makes checks all three.
    run_at        timestamptz NOT NULL DEFAULT now(),
    attempt       integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 5 CONSTRAINT sync_runs_max_attempts_positive CHECK (max_attempts > 0),
    locked_by     text,
    locked_until  timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
-- At most one queued or running run per connection.
CREATE UNIQUE INDEX sync_runs_one_active_idx ON sync_runs (tenant_id, connection_id) WHERE status IN ('queued', 'running');
CREATE INDEX sync_runs_claimable_idx ON sync_runs (run_at) WHERE status = 'queued';
CREATE INDEX sync_runs_leases_idx ON sync_runs (locked_until) WHERE status = 'running';
CREATE INDEX sync_runs_history_idx ON sync_runs (tenant_id, connection_id, created_at DESC);
ALTER TABLE sync_runs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_runs_tenant ON sync_runs
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE POLICY sync_runs_queue ON sync_runs
    USING (current_setting('app.queue', true) = 'worker') WITH CHECK (current_setting('app.queue', true) = 'worker');

-- Each stream of a run: its outcome, its counts, and where it stands (so a retried run resumes).
CREATE TABLE sync_run_streams (
    tenant_id    uuid NOT NULL,
    run_id       uuid NOT NULL,
    name         text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CONSTRAINT sync_run_streams_status_values
                 CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'missing_scope', 'not_available', 'skipped')),
    -- The connector's opaque position (a page token, a window); NULL before the first page.
    cursor       text,
    pages        integer NOT NULL DEFAULT 0,
    fetched      bigint NOT NULL DEFAULT 0,
    inserted     bigint NOT NULL DEFAULT 0,
    updated      bigint NOT NULL DEFAULT 0,
    unchanged    bigint NOT NULL DEFAULT 0,
    deleted      bigint NOT NULL DEFAULT 0,
    skipped      bigint NOT NULL DEFAULT 0,
    rate_limited integer NOT NULL DEFAULT 0,
    retries      integer NOT NULL DEFAULT 0,
    duration_ms  bigint NOT NULL DEFAULT 0,
    error        text,
    started_at   timestamptz,
    finished_at  timestamptz,
    PRIMARY KEY (tenant_id, run_id, name),
    FOREIGN KEY (tenant_id, run_id) REFERENCES sync_runs (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE sync_run_streams ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_run_streams_tenant ON sync_run_streams
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- The remote ids a snapshot stream has seen in a run. Deletions are detected from it once the snapshot is
-- complete; it is logged (not UNLOGGED) because a database crash must not make live records look deleted.
CREATE TABLE sync_seen (
    tenant_id uuid NOT NULL,
    run_id    uuid NOT NULL,
    stream    text NOT NULL,
    remote_id text NOT NULL,
    PRIMARY KEY (tenant_id, run_id, stream, remote_id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES sync_runs (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE sync_seen ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_seen_tenant ON sync_seen
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- Requests counted against a provider account's daily quotas. The budget belongs to the provider's
-- account (shared by every tenant and process that reaches it), so this table has no tenant_id.
CREATE TABLE provider_quota_usage (
    provider   text NOT NULL,
    account_id text NOT NULL,
    quota      text NOT NULL,
    day        date NOT NULL,
    used       integer NOT NULL,
    PRIMARY KEY (provider, account_id, quota, day)
);

-- Every synced table has the same frame: keys that start with tenant_id, the provider's id, the raw JSON
-- as received and a hash of it (an unchanged record is not rewritten), and soft deletion.
CREATE FUNCTION pg_temp.create_synced_table(name text, columns text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($sql$
        CREATE TABLE %1$I (
            tenant_id     uuid NOT NULL,
            id            uuid NOT NULL DEFAULT gen_random_uuid(),
            connection_id uuid NOT NULL,
            remote_id     text NOT NULL,
            %2$s,
            raw           jsonb NOT NULL,
            content_hash  bytea NOT NULL,
            first_seen_at timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now(),
            deleted_at    timestamptz,
            PRIMARY KEY (tenant_id, id),
            CONSTRAINT %1$s_remote_key UNIQUE (tenant_id, connection_id, remote_id),
            FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
        );
        CREATE INDEX %1$s_updated_idx ON %1$I (tenant_id, updated_at, id);
        ALTER TABLE %1$I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY %1$s_tenant ON %1$I
            USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
    $sql$, name, columns);
END $$;

SELECT pg_temp.create_synced_table('users', $$
    email text, first_name text, last_name text, display_name text, status text, license_type text, role_id text,
    department text, job_title text, timezone text, group_ids text[] NOT NULL DEFAULT '{}', last_login_at timestamptz,
    created_remote_at timestamptz $$);
SELECT pg_temp.create_synced_table('roles', $$ name text, description text, member_count bigint $$);
SELECT pg_temp.create_synced_table('role_members', $$
    role_remote_id text NOT NULL, user_remote_id text NOT NULL, email text, first_name text, last_name text $$);
SELECT pg_temp.create_synced_table('groups', $$ name text, member_count bigint $$);
SELECT pg_temp.create_synced_table('group_members', $$
    group_remote_id text NOT NULL, user_remote_id text NOT NULL, email text, first_name text, last_name text $$);
SELECT pg_temp.create_synced_table('sub_accounts', $$
    name text, owner_email text, account_type text, account_number text, seats bigint, subscription_start_at timestamptz,
    subscription_end_at timestamptz, created_remote_at timestamptz $$);
SELECT pg_temp.create_synced_table('billing_plan_usage', $$
    plan text, plan_type text, seats_bought bigint, seats_used bigint, seats_pending bigint $$);
SELECT pg_temp.create_synced_table('billing_plans', $$
    plan text, plan_type text, seats bigint, status text, service_effective_at timestamptz, next_invoice_at timestamptz $$);
SELECT pg_temp.create_synced_table('billing_invoices', $$
    invoice_number text, invoice_date date, due_date date, status text, currency text, balance numeric, tax_amount numeric,
    total_amount numeric $$);
SELECT pg_temp.create_synced_table('report_daily_usage', $$
    date date, new_users bigint, meetings bigint, participants bigint, meeting_minutes bigint $$);
SELECT pg_temp.create_synced_table('report_active_hosts', $$
    period_start date, period_end date, user_remote_id text, email text, user_name text, meetings bigint, participants bigint,
    meeting_minutes bigint $$);
SELECT pg_temp.create_synced_table('report_sign_ins', $$
    occurred_at timestamptz, email text, type text, ip_address text, client_type text, version text $$);
SELECT pg_temp.create_synced_table('report_operation_logs', $$
    occurred_at timestamptz, operator text, category_type text, action text, operation_detail text $$);
SELECT pg_temp.create_synced_table('report_billing', $$
    start_date date, end_date date, currency text, total_amount numeric, tax_amount numeric, type text, invoices jsonb $$);
SELECT pg_temp.create_synced_table('report_telephone', $$
    meeting_id text, host_remote_id text, host_email text, start_at timestamptz, end_at timestamptz, duration_minutes bigint,
    total numeric, rate numeric, type text, country_name text, phone_number text $$);
SELECT pg_temp.create_synced_table('phone_users', $$
    email text, name text, extension_number text, status text, site_name text, department text,
    calling_plans text[] NOT NULL DEFAULT '{}', phone_numbers text[] NOT NULL DEFAULT '{}' $$);
SELECT pg_temp.create_synced_table('phone_calling_plans', $$
    name text, plan_type text, subscribed bigint, assigned bigint, available bigint $$);
SELECT pg_temp.create_synced_table('phone_call_logs', $$
    occurred_at timestamptz, direction text, duration_seconds bigint, result text, caller_number text, callee_number text,
    user_remote_id text, charge text $$);
SELECT pg_temp.create_synced_table('rooms', $$ name text, room_code text, status text, location_remote_id text $$);
SELECT pg_temp.create_synced_table('room_devices', $$
    room_remote_id text NOT NULL, device_type text, app_version text, device_system text, status text, hostname text $$);
SELECT pg_temp.create_synced_table('room_locations', $$ name text, type text, parent_location_remote_id text $$);
