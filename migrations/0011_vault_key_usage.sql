-- How many values each vault key has sealed, over every process and restart (SECURITY.md K5): AES-GCM
-- with random 96-bit nonces is safe for 2^32 encryptions per key, and Tether warns from 2^30 on and
-- calls for rotation past 2^31. Processes add their counts in batches. Key ids are not secret.
CREATE TABLE vault_key_usage (
    key_id     text PRIMARY KEY,
    seals      bigint NOT NULL DEFAULT 0 CONSTRAINT vault_key_usage_seals_nonnegative CHECK (seals >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
