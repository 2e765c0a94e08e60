-- The operator console (DESIGN §6.3). A sign-in with an admin API key opens a session of at most 12
-- hours; only the SHA-256 of the session's cookie value is stored, so a database leak opens no session.
-- A session ends with its key: revoking or expiring the admin key that opened it ends it too.
CREATE TABLE console_sessions (
    token_hash  bytea PRIMARY KEY,
    api_key_id  uuid NOT NULL REFERENCES admin_api_keys (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    CONSTRAINT console_sessions_at_most_12_hours CHECK (expires_at <= created_at + interval '12 hours')
);
CREATE INDEX console_sessions_expiry_idx ON console_sessions (expires_at);

-- Each account's use of its rate limits today (UTC), per category, for the console: requests given a slot
-- and 429s answered, counted by the functions that already hold the category's row lock. `plan_rate` is the
-- plan's requests per second the last reservation or 429 was counted against.
ALTER TABLE provider_rate_budget
    ADD COLUMN day             date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
    ADD COLUMN requests_today  bigint NOT NULL DEFAULT 0,
    ADD COLUMN throttled_today bigint NOT NULL DEFAULT 0,
    ADD COLUMN plan_rate       double precision;

CREATE OR REPLACE FUNCTION reserve_rate_slot(p text, a text, c text, nominal double precision, at timestamptz)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    moment timestamptz := coalesce(at, clock_timestamp());
    today date := (moment AT TIME ZONE 'UTC')::date;
    b provider_rate_budget;
    start timestamptz;
BEGIN
    INSERT INTO provider_rate_budget (provider, account_id, category, slowed_rate, next_slot)
    VALUES (p, a, c, nominal * 0.9, moment) ON CONFLICT DO NOTHING;
    SELECT * INTO STRICT b FROM provider_rate_budget WHERE provider = p AND account_id = a AND category = c FOR UPDATE;
    start := greatest(moment, b.next_slot);
    UPDATE provider_rate_budget SET next_slot = start + make_interval(secs => 1 / provider_rate_pace(b, nominal, moment)),
        requests_today = CASE WHEN b.day = today THEN b.requests_today + 1 ELSE 1 END,
        throttled_today = CASE WHEN b.day = today THEN b.throttled_today ELSE 0 END,
        day = today, plan_rate = nominal
    WHERE provider = p AND account_id = a AND category = c;
    RETURN extract(epoch FROM start - moment);
END $$;

CREATE OR REPLACE FUNCTION throttle_rate_budget(p text, a text, c text, nominal double precision, retry_after double precision, at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    moment timestamptz := coalesce(at, clock_timestamp());
    today date := (moment AT TIME ZONE 'UTC')::date;
    b provider_rate_budget;
BEGIN
    INSERT INTO provider_rate_budget (provider, account_id, category, slowed_rate, next_slot)
    VALUES (p, a, c, nominal * 0.9, moment) ON CONFLICT DO NOTHING;
    SELECT * INTO STRICT b FROM provider_rate_budget WHERE provider = p AND account_id = a AND category = c FOR UPDATE;
    UPDATE provider_rate_budget
    SET slowed_rate = greatest(nominal / 16, provider_rate_pace(b, nominal, moment) / 2), slowed_at = moment,
        next_slot = greatest(b.next_slot, moment + make_interval(secs => retry_after)),
        throttled_today = CASE WHEN b.day = today THEN b.throttled_today + 1 ELSE 1 END,
        requests_today = CASE WHEN b.day = today THEN b.requests_today ELSE 0 END,
        day = today, plan_rate = nominal
    WHERE provider = p AND account_id = a AND category = c;
END $$;
