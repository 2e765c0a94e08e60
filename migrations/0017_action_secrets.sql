-- An action's secret inputs (a password) are sealed by the vault while the action waits, apart from its
-- input, where a marker stands in for them; a finished action keeps none (DESIGN §6.1). key_id names the
-- key that sealed them, so `tether vault rotate` re-seals a waiting action's secrets with the rest.
ALTER TABLE actions
    ADD COLUMN sealed_input bytea,
    ADD COLUMN key_id text,
    ADD CONSTRAINT actions_sealed_input_key CHECK (sealed_input IS NULL OR key_id IS NOT NULL);
