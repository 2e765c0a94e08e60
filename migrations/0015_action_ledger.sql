-- The action ledger (DESIGN §6.1): every action asked of a connected account, from the request to its
-- outcome. It doubles as the actions' queue, like sync_runs: workers claim with FOR UPDATE SKIP LOCKED
-- under a lease, and every write a worker makes checks the lease. `sent_at` is set, in a committed
-- transaction, before a request that changes the account is sent: a worker taking over an action whose
-- lease ran out after that moment reads the target's state first and re-sends only when the effect is
-- absent.
CREATE TABLE actions (
    tenant_id        uuid NOT NULL,
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id    uuid NOT NULL,
    action           text NOT NULL CONSTRAINT actions_action_format CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    input            jsonb NOT NULL,
    dry_run          boolean NOT NULL DEFAULT false,
    idempotency_key  text CONSTRAINT actions_idempotency_key_length CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    -- SHA-256 of the request (action, input, dry_run): the same key with another body is a conflict.
    request_hash     bytea NOT NULL,
    status           text NOT NULL DEFAULT 'queued'
                     CONSTRAINT actions_status_values CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'rejected', 'planned')),
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 5 CONSTRAINT actions_max_attempts_positive CHECK (max_attempts > 0),
    run_at           timestamptz NOT NULL DEFAULT now(),
    locked_by        text,
    locked_until     timestamptz,
    sent_at          timestamptz,
    -- The requests planned (a dry run's answer) and what Zoom's targets were.
    plan             jsonb,
    result           jsonb,
    error_code       text,
    error_message    text,
    requested_by     text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX actions_idempotency_idx ON actions (tenant_id, connection_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX actions_claimable_idx ON actions (run_at) WHERE status = 'queued';
CREATE INDEX actions_leases_idx ON actions (locked_until) WHERE status = 'running';
CREATE INDEX actions_history_idx ON actions (tenant_id, connection_id, created_at DESC, id DESC);
ALTER TABLE actions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY actions_tenant ON actions
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
CREATE POLICY actions_queue ON actions
    USING (current_setting('app.queue', true) = 'worker') WITH CHECK (current_setting('app.queue', true) = 'worker');

-- A finished action is an event for the feed and the tenant's webhook.
ALTER TABLE events DROP CONSTRAINT events_type_values;
ALTER TABLE events ADD CONSTRAINT events_type_values
    CHECK (type IN ('connection.status_changed', 'sync_run.finished', 'action.finished'));

-- Recorded in the transaction that finishes the action (or refuses it), under the tenant's change order.
CREATE FUNCTION actions_finished_event() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF NEW.status IN ('succeeded', 'failed', 'rejected') AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status) THEN
        PERFORM record_event(NEW.tenant_id, 'action.finished', jsonb_build_object(
            'action_id', NEW.id, 'connection_id', NEW.connection_id, 'action', NEW.action, 'status', NEW.status,
            'error', CASE WHEN NEW.error_code IS NULL THEN NULL
                          ELSE jsonb_build_object('code', NEW.error_code, 'message', NEW.error_message) END,
            'result', NEW.result, 'finished_at', NEW.finished_at));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER actions_finished_event AFTER INSERT OR UPDATE OF status ON actions
    FOR EACH ROW EXECUTE FUNCTION actions_finished_event();
