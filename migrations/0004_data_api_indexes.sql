-- Indexes for the data API's lookups that are not by (tenant_id, updated_at, id): the members of one group or
-- role, and users by email (compared case-insensitively).
CREATE INDEX group_members_parent_idx ON group_members (tenant_id, connection_id, group_remote_id);
CREATE INDEX role_members_parent_idx ON role_members (tenant_id, connection_id, role_remote_id);
CREATE INDEX users_email_idx ON users (tenant_id, lower(email));
