-- A master account's sub accounts are walked by the users and plan_usage streams (DESIGN §6.2): their users
-- and plan usage are stored under the master's connection, tagged with the sub account's Zoom id (NULL for the
-- master account's own).
ALTER TABLE users ADD COLUMN sub_account_id text;
ALTER TABLE billing_plan_usage ADD COLUMN sub_account_id text;
