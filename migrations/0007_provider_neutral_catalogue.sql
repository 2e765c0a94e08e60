-- Provider knowledge leaves the schema: what a provider's plans and built-in roles are is its connector's
-- to say (DESIGN §2: nothing outside the connector knows the provider).

-- Which rate-limit plans exist is the connector's list, checked by the API; the database keeps the format.
ALTER TABLE connections DROP CONSTRAINT connections_rate_limit_plan_values;
ALTER TABLE connections ADD CONSTRAINT connections_rate_limit_plan_format CHECK (rate_limit_plan ~ '^[a-z0-9_]{1,32}$');

-- Each provider's built-in account roles that own or administer an account, as its connector's catalogue
-- declares them (Connector.accountRoles). These `provider_` tables are reference data, the same for every
-- tenant, so they have no tenant_id and no row-level security, and the SQL reader may read them; a test
-- holds their rows to the connectors' catalogues.
CREATE TABLE provider_account_roles (
    provider text NOT NULL CONSTRAINT provider_account_roles_provider_format CHECK (provider ~ '^[a-z0-9_]{1,32}$'),
    role_id  text NOT NULL,
    kind     text NOT NULL CONSTRAINT provider_account_roles_kind_values CHECK (kind IN ('owner', 'admin')),
    name     text NOT NULL,
    PRIMARY KEY (provider, role_id)
);
INSERT INTO provider_account_roles (provider, role_id, kind, name) VALUES
    ('zoom', '0', 'owner', 'Owner'),
    ('zoom', '1', 'admin', 'Admin');

-- Each provider's plan whose usage row counts the seats an account bought (Connector.seatPlans).
CREATE TABLE provider_seat_plans (
    provider text NOT NULL CONSTRAINT provider_seat_plans_provider_format CHECK (provider ~ '^[a-z0-9_]{1,32}$'),
    plan     text NOT NULL,
    PRIMARY KEY (provider, plan)
);
INSERT INTO provider_seat_plans (provider, plan) VALUES ('zoom', 'plan_base');

-- The provider of a connection of the current tenant, for views read by roles that may not read
-- `connections` itself (the SQL reader). It answers only for the tenant the transaction is scoped to,
-- whatever its owner's rights, and only the provider's name.
CREATE FUNCTION connection_provider(tenant uuid, connection uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT provider FROM public.connections
    WHERE tenant_id = tenant AND id = connection AND tenant_id = public.current_tenant_id()
$$;

-- The account's owners and admins, by the catalogue instead of role ids written into the view. Same
-- columns, same rows. Users are matched on role id first, so the provider is looked up only for the few
-- whose role id is some provider's owner or admin role.
CREATE OR REPLACE VIEW account_admins WITH (security_invoker = true) AS
SELECT u.tenant_id, u.connection_id, u.id AS user_id, u.remote_id, u.email, u.first_name, u.last_name, u.status, u.role_id,
       coalesce(r.name, pr.name) AS role_name, u.last_login_at
FROM users u
JOIN provider_account_roles pr ON pr.role_id = u.role_id
LEFT JOIN roles r ON r.tenant_id = u.tenant_id AND r.connection_id = u.connection_id AND r.remote_id = u.role_id AND r.deleted_at IS NULL
WHERE u.deleted_at IS NULL AND pr.provider = connection_provider(u.tenant_id, u.connection_id);

-- Seats bought on the seat plans against seats assigned, with the plan named by the catalogue. Same
-- columns, same rows.
CREATE OR REPLACE VIEW seat_usage WITH (security_invoker = true) AS
SELECT p.tenant_id, p.connection_id, p.plan_type, p.seats_bought, p.seats_used AS seats_used_reported,
       licensed.count AS licensed_users, p.seats_bought - licensed.count AS seats_unassigned, p.updated_at
FROM billing_plan_usage p
JOIN provider_seat_plans sp ON sp.plan = p.plan
CROSS JOIN LATERAL (
    SELECT count(*)::bigint AS count FROM users u
    WHERE u.tenant_id = p.tenant_id AND u.connection_id = p.connection_id AND u.deleted_at IS NULL AND u.license_type = 'licensed'
) licensed
WHERE p.deleted_at IS NULL AND sp.provider = connection_provider(p.tenant_id, p.connection_id);
