-- The per-second budget of a provider account, shared by every worker process and every tenant that
-- reaches the account (issue 18, finding 10; DESIGN §6.4). Before this, each process paced itself in its
-- own memory, so two workers together could exceed the provider's limits. Like provider_quota_usage, it
-- belongs to the provider's account, not to a tenant.
--
-- A category's pace is derived from its last slowdown: `slowed_rate` requests per second from
-- `slowed_at`, held for ten seconds, then growing by 5 % of the plan's rate per second up to 90 % of it
-- (the headroom left for clock skew and for other apps on the account). `next_slot` is when the next
-- request may start: slots are spaced evenly, with no burst owed after a pause.
CREATE TABLE provider_rate_budget (
    provider    text NOT NULL,
    account_id  text NOT NULL,
    category    text NOT NULL,
    slowed_rate double precision NOT NULL CONSTRAINT provider_rate_budget_rate_positive CHECK (slowed_rate > 0),
    slowed_at   timestamptz NOT NULL DEFAULT 'epoch',
    next_slot   timestamptz NOT NULL,
    PRIMARY KEY (provider, account_id, category)
);

-- The pace of a category at `at`, for a plan of `nominal` requests per second.
CREATE FUNCTION provider_rate_pace(b provider_rate_budget, nominal double precision, at timestamptz)
RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT least(nominal * 0.9, b.slowed_rate + CASE WHEN at - b.slowed_at > interval '10 seconds'
        THEN nominal * 0.05 * extract(epoch FROM at - b.slowed_at - interval '10 seconds') ELSE 0 END)
$$;

-- Takes the next request slot of a category as of `at` (now when null) and returns the seconds until it
-- begins. The row lock serializes every process's reservations for that category.
CREATE FUNCTION reserve_rate_slot(p text, a text, c text, nominal double precision, at timestamptz)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    moment timestamptz := coalesce(at, clock_timestamp());
    b provider_rate_budget;
    start timestamptz;
BEGIN
    INSERT INTO provider_rate_budget (provider, account_id, category, slowed_rate, next_slot)
    VALUES (p, a, c, nominal * 0.9, moment) ON CONFLICT DO NOTHING;
    SELECT * INTO STRICT b FROM provider_rate_budget WHERE provider = p AND account_id = a AND category = c FOR UPDATE;
    start := greatest(moment, b.next_slot);
    UPDATE provider_rate_budget SET next_slot = start + make_interval(secs => 1 / provider_rate_pace(b, nominal, moment))
    WHERE provider = p AND account_id = a AND category = c;
    RETURN extract(epoch FROM start - moment);
END $$;

-- The provider answered 429 for a category at `at` (now when null): no request before `retry_after`
-- seconds have passed, and half the pace, never below 1/16 of the plan's rate.
CREATE FUNCTION throttle_rate_budget(p text, a text, c text, nominal double precision, retry_after double precision, at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    moment timestamptz := coalesce(at, clock_timestamp());
    b provider_rate_budget;
BEGIN
    INSERT INTO provider_rate_budget (provider, account_id, category, slowed_rate, next_slot)
    VALUES (p, a, c, nominal * 0.9, moment) ON CONFLICT DO NOTHING;
    SELECT * INTO STRICT b FROM provider_rate_budget WHERE provider = p AND account_id = a AND category = c FOR UPDATE;
    UPDATE provider_rate_budget
    SET slowed_rate = greatest(nominal / 16, provider_rate_pace(b, nominal, moment) / 2), slowed_at = moment,
        next_slot = greatest(b.next_slot, moment + make_interval(secs => retry_after))
    WHERE provider = p AND account_id = a AND category = c;
END $$;

-- Which plan a connection's pace follows and where it came from: `default` (the connector's), `detected`
-- (read from the account's plan information) or `set` (by an operator; never overwritten by detection).
ALTER TABLE connections ADD COLUMN rate_limit_plan_source text NOT NULL DEFAULT 'default'
    CONSTRAINT connections_rate_limit_plan_source_values CHECK (rate_limit_plan_source IN ('default', 'detected', 'set'));
UPDATE connections SET rate_limit_plan_source = 'set' WHERE rate_limit_plan <> 'pro';
