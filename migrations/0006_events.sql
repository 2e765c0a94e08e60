-- Events for the SMP: what changed (a connection's status, a finished sync run), kept per tenant for
-- GET /v1/tenants/{tenant}/events and pushed, signed, to the tenant's webhook URL with retries for 24 hours.

-- A tenant's webhook endpoint. The signing secret is sealed by the vault (AES-256-GCM, bound to this table,
-- column and tenant), so the database never holds it in plaintext.
CREATE TABLE tenant_webhooks (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    url        text NOT NULL CONSTRAINT tenant_webhooks_url_length CHECK (char_length(url) <= 2048),
    secret     bytea NOT NULL,
    key_id     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenant_webhooks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_webhooks_tenant ON tenant_webhooks
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
-- The deliverer works across tenants, as the sync queue does.
CREATE POLICY tenant_webhooks_queue ON tenant_webhooks FOR SELECT
    USING (current_setting('app.queue', true) = 'worker');

CREATE TABLE events (
    tenant_id          uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    type               text NOT NULL CONSTRAINT events_type_values CHECK (type IN ('connection.status_changed', 'sync_run.finished')),
    data               jsonb NOT NULL,
    created_at         timestamptz NOT NULL,
    -- Delivery to the tenant's webhook: none when the tenant had no URL when the event happened.
    delivery_status    text NOT NULL CONSTRAINT events_delivery_status_values
                       CHECK (delivery_status IN ('pending', 'delivered', 'failed', 'none')),
    delivery_attempts  integer NOT NULL DEFAULT 0,
    next_delivery_at   timestamptz,
    delivered_at       timestamptz,
    last_delivery_error text,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_feed_idx ON events (tenant_id, created_at, id);
CREATE INDEX events_due_idx ON events (next_delivery_at) WHERE delivery_status = 'pending';
ALTER TABLE events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY events_tenant ON events
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
-- The reaper fails runs and the deliverer claims deliveries across tenants.
CREATE POLICY events_queue ON events
    USING (current_setting('app.queue', true) = 'worker') WITH CHECK (current_setting('app.queue', true) = 'worker');

-- Appends an event in the caller's transaction, under the tenant's change-order lock (the one synced rows
-- are stamped under, see Store/ChangeOrder.swift), stamped after taking it: the feed's keyset pages on
-- (created_at, id) then never have an event committed behind a page already read.
CREATE FUNCTION record_event(tenant uuid, event_type text, event_data jsonb) RETURNS void
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1415922536, hashtext(tenant::text));
    INSERT INTO events (tenant_id, type, data, created_at, delivery_status, next_delivery_at)
    SELECT tenant, event_type, event_data, clock_timestamp(),
           CASE WHEN w.tenant_id IS NULL THEN 'none' ELSE 'pending' END,
           CASE WHEN w.tenant_id IS NULL THEN NULL ELSE clock_timestamp() END
    FROM (SELECT 1) one LEFT JOIN tenant_webhooks w ON w.tenant_id = tenant;
END $$;

-- A connection was created with a status, changed status, or was deleted.
CREATE FUNCTION connections_status_event() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- Deleting the tenant deletes its connections (and events) by cascade: nothing to tell anyone.
        IF NOT EXISTS (SELECT FROM tenants WHERE id = OLD.tenant_id) THEN
            RETURN OLD;
        END IF;
        PERFORM record_event(OLD.tenant_id, 'connection.status_changed', jsonb_build_object(
            'connection_id', OLD.id, 'provider', OLD.provider, 'status', 'deleted', 'previous_status', OLD.status, 'reason', NULL));
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        PERFORM record_event(NEW.tenant_id, 'connection.status_changed', jsonb_build_object(
            'connection_id', NEW.id, 'provider', NEW.provider, 'status', NEW.status,
            'previous_status', CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, 'reason', NEW.status_reason));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER connections_status_event AFTER INSERT OR UPDATE OF status OR DELETE ON connections
    FOR EACH ROW EXECUTE FUNCTION connections_status_event();

-- A run reached succeeded, partial or failed: its outcome and every stream's counts.
CREATE FUNCTION sync_runs_finished_event() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    PERFORM record_event(NEW.tenant_id, 'sync_run.finished', jsonb_build_object(
        'run_id', NEW.id, 'connection_id', NEW.connection_id, 'status', NEW.status, 'trigger', NEW.trigger,
        'attempt', NEW.attempt, 'started_at', NEW.started_at, 'finished_at', NEW.finished_at, 'error', NEW.last_error,
        'streams', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'name', s.name, 'status', s.status, 'pages', s.pages, 'fetched', s.fetched, 'inserted', s.inserted,
                'updated', s.updated, 'unchanged', s.unchanged, 'deleted', s.deleted, 'rate_limited', s.rate_limited,
                'retries', s.retries, 'duration_ms', s.duration_ms, 'error', s.error) ORDER BY s.name)
            FROM sync_run_streams s WHERE s.tenant_id = NEW.tenant_id AND s.run_id = NEW.id), '[]'::jsonb)));
    RETURN NEW;
END $$;
CREATE TRIGGER sync_runs_finished_event AFTER UPDATE OF status ON sync_runs
    FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'partial', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION sync_runs_finished_event();
