-- API keys can expire, and are revoked for good (issue 18, finding 6; DESIGN §6.3). A key past its
-- expires_at, or with revoked_at set, authenticates nothing from the next request on.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE admin_api_keys ADD COLUMN expires_at timestamptz;
