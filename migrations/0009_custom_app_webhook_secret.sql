-- A custom-mode app signs its own events (Zoom's app_deauthorized, the endpoint's URL validation) with
-- its own secret token, not the platform app's (issue 18, finding 11). The tenant admin may give it on
-- the connect page; it travels sealed with the flow, like the client secret, and is kept sealed with the
-- connection's credentials.
ALTER TABLE oauth_flows ADD COLUMN webhook_secret bytea;
ALTER TABLE connection_credentials ADD COLUMN webhook_secret bytea;

-- An event of a custom app names the app (client id), not a tenant. Before its signature can be
-- checked, the handler sets app.lookup_client to 'provider:client_id' to find the custom connections of
-- that app, and scopes to each one's tenant to read its sealed secret token.
CREATE POLICY connections_custom_client_lookup ON connections FOR SELECT
    USING (mode = 'custom' AND provider || ':' || client_id = nullif(current_setting('app.lookup_client', true), ''));
