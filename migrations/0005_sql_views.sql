-- Views for the questions an SMP asks of its customers' Zoom accounts, for the read-only SQL role (README,
-- "SQL access"). Every view runs with the querying role's rights (security_invoker), so row-level security
-- confines it to the tenant set for the transaction, exactly as the tables are confined.

-- Licensed users who have not signed in for 30 days or more, or never have. inactive_days counts from the
-- last sign-in, or from when the user was created at Zoom if they never signed in (NULL if Zoom gave neither).
CREATE VIEW inactive_licensed_users WITH (security_invoker = true) AS
SELECT tenant_id, connection_id, id AS user_id, remote_id, email, first_name, last_name, status, department, last_login_at,
       last_login_at IS NULL AS never_signed_in,
       floor(extract(epoch FROM now() - coalesce(last_login_at, created_remote_at)) / 86400)::integer AS inactive_days
FROM users
WHERE deleted_at IS NULL AND license_type = 'licensed'
  AND (last_login_at IS NULL OR last_login_at < now() - interval '30 days');

-- Seats bought on the base plan against seats assigned: Zoom's own count of used seats, and the licensed
-- users Tether holds (they differ while a sync is stale or when Zoom counts pending users).
CREATE VIEW seat_usage WITH (security_invoker = true) AS
SELECT p.tenant_id, p.connection_id, p.plan_type, p.seats_bought, p.seats_used AS seats_used_reported,
       licensed.count AS licensed_users, p.seats_bought - licensed.count AS seats_unassigned, p.updated_at
FROM billing_plan_usage p
CROSS JOIN LATERAL (
    SELECT count(*)::bigint AS count FROM users u
    WHERE u.tenant_id = p.tenant_id AND u.connection_id = p.connection_id AND u.deleted_at IS NULL AND u.license_type = 'licensed'
) licensed
WHERE p.plan = 'plan_base' AND p.deleted_at IS NULL;

-- The account's owners and admins (Zoom's built-in roles: id 0 is Owner, 1 is Admin).
CREATE VIEW account_admins WITH (security_invoker = true) AS
SELECT u.tenant_id, u.connection_id, u.id AS user_id, u.remote_id, u.email, u.first_name, u.last_name, u.status, u.role_id,
       coalesce(r.name, CASE u.role_id WHEN '0' THEN 'Owner' ELSE 'Admin' END) AS role_name, u.last_login_at
FROM users u
LEFT JOIN roles r ON r.tenant_id = u.tenant_id AND r.connection_id = u.connection_id AND r.remote_id = u.role_id AND r.deleted_at IS NULL
WHERE u.deleted_at IS NULL AND u.role_id IN ('0', '1');

-- Users in no group.
CREATE VIEW users_without_group WITH (security_invoker = true) AS
SELECT tenant_id, connection_id, id AS user_id, remote_id, email, first_name, last_name, status, license_type, last_login_at
FROM users
WHERE deleted_at IS NULL AND cardinality(group_ids) = 0;
