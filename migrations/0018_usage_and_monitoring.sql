-- Usage and monitoring data (DESIGN §6.2): settings, presence, the dashboard's meetings with their participants
-- and QoS, the report API's attendance, Zoom Rooms health, issues and alerts, and the views that answer an SMP's
-- questions from them. Every synced table has the frame 0003 describes; this file builds it the same way.
CREATE OR REPLACE FUNCTION pg_temp.create_synced_table(name text, columns text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format($sql$
        CREATE TABLE %1$I (
            tenant_id     uuid NOT NULL,
            id            uuid NOT NULL DEFAULT gen_random_uuid(),
            connection_id uuid NOT NULL,
            remote_id     text NOT NULL,
            %2$s,
            raw           jsonb NOT NULL,
            content_hash  bytea NOT NULL,
            first_seen_at timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now(),
            deleted_at    timestamptz,
            PRIMARY KEY (tenant_id, id),
            CONSTRAINT %1$s_remote_key UNIQUE (tenant_id, connection_id, remote_id),
            FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
        );
        CREATE INDEX %1$s_updated_idx ON %1$I (tenant_id, updated_at, id);
        ALTER TABLE %1$I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
        CREATE POLICY %1$s_tenant ON %1$I
            USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
    $sql$, name, columns);
END $$;

-- Each user's settings (GET /users/{id}/settings, DESIGN §6.2): one row per user, keyed by the user's Zoom id,
-- with the whole settings object in raw. The route users/{id}/settings reads it by user_remote_id.
SELECT pg_temp.create_synced_table('user_settings', $$
    user_remote_id text, meeting_capacity bigint, large_meeting boolean, webinar boolean, zoom_phone boolean,
    cloud_recording boolean, auto_recording text, waiting_room boolean $$);
CREATE INDEX user_settings_user_idx ON user_settings (tenant_id, connection_id, user_remote_id);

-- The account's settings (GET /accounts/me/settings): one row per connection.
SELECT pg_temp.create_synced_table('account_settings', $$
    waiting_room boolean, e2e_encryption boolean, require_meeting_password boolean,
    password_minimum_length bigint, cloud_recording boolean, auto_recording text,
    recording_retention_days bigint $$);

-- Each licensed active user's presence (GET /users/{id}/presence_status), keyed by the user's Zoom id. The
-- users list reads presence_status from here by (connection_id, remote_id), the table's unique key.
SELECT pg_temp.create_synced_table('user_presence', $$
    user_remote_id text, status text, until_at timestamptz $$);
CREATE INDEX user_presence_user_idx ON user_presence (tenant_id, connection_id, user_remote_id);

-- Past meetings from the dashboard (GET /metrics/meetings?type=past, DESIGN §6.2), keyed by the meeting's UUID.
-- The list filters by start time and by host (the dashboard names hosts by email).
SELECT pg_temp.create_synced_table('meetings', $$
    meeting_id text, topic text, host_name text, host_email text, host_user_type text, start_at timestamptz,
    end_at timestamptz, duration_seconds bigint, participants bigint, has_video boolean,
    has_screen_share boolean, has_recording boolean, has_pstn boolean, audio_quality text,
    video_quality text, screen_share_quality text, department text $$);
CREATE INDEX meetings_start_idx ON meetings (tenant_id, start_at);
CREATE INDEX meetings_host_idx ON meetings (tenant_id, connection_id, lower(host_email));

-- Who joined each past meeting (GET /metrics/meetings/{uuid}/participants), one row per join, keyed by
-- meeting UUID, participant id and join time.
SELECT pg_temp.create_synced_table('meeting_participants', $$
    meeting_remote_id text, participant_id text, user_remote_id text, user_name text, email text,
    device text, ip_address text, location text, network_type text, data_center text, connection_type text,
    join_at timestamptz, leave_at timestamptz, leave_reason text, audio_quality text, video_quality text,
    screen_share_quality text, version text $$);
CREATE INDEX meeting_participants_meeting_idx ON meeting_participants (tenant_id, connection_id, meeting_remote_id);
CREATE INDEX meeting_participants_user_idx ON meeting_participants (tenant_id, connection_id, user_remote_id);

-- Each participant's QoS (GET /metrics/meetings/{uuid}/participants/qos), summarized per direction: latency
-- and jitter in ms, packet loss in percent (average and worst), average bitrate in kbps; the samples stay in raw.
SELECT pg_temp.create_synced_table('meeting_quality', $$
    meeting_remote_id text, participant_id text, user_remote_id text, user_name text, email text,
    device text, join_at timestamptz, leave_at timestamptz, samples bigint,
    audio_input_latency_avg_ms numeric, audio_input_latency_max_ms numeric,
    audio_input_jitter_avg_ms numeric, audio_input_jitter_max_ms numeric, audio_input_loss_avg_pct numeric,
    audio_input_loss_max_pct numeric, audio_input_bitrate_avg_kbps numeric,
    audio_output_latency_avg_ms numeric, audio_output_latency_max_ms numeric,
    audio_output_jitter_avg_ms numeric, audio_output_jitter_max_ms numeric,
    audio_output_loss_avg_pct numeric, audio_output_loss_max_pct numeric,
    audio_output_bitrate_avg_kbps numeric, video_input_latency_avg_ms numeric,
    video_input_latency_max_ms numeric, video_input_jitter_avg_ms numeric, video_input_jitter_max_ms numeric,
    video_input_loss_avg_pct numeric, video_input_loss_max_pct numeric, video_input_bitrate_avg_kbps numeric,
    video_output_latency_avg_ms numeric, video_output_latency_max_ms numeric,
    video_output_jitter_avg_ms numeric, video_output_jitter_max_ms numeric,
    video_output_loss_avg_pct numeric, video_output_loss_max_pct numeric,
    video_output_bitrate_avg_kbps numeric $$);
CREATE INDEX meeting_quality_meeting_idx ON meeting_quality (tenant_id, connection_id, meeting_remote_id);

-- Who attended each past meeting, from the report API (GET /report/meetings/{uuid}/participants), one row per
-- join, keyed like meeting_participants; accounts without the dashboard have this one.
SELECT pg_temp.create_synced_table('past_meeting_participants', $$
    meeting_remote_id text, participant_id text, user_remote_id text, name text, email text,
    join_at timestamptz, leave_at timestamptz, duration_seconds bigint, status text $$);
CREATE INDEX past_meeting_participants_meeting_idx ON past_meeting_participants (tenant_id, connection_id, meeting_remote_id);
CREATE INDEX past_meeting_participants_user_idx ON past_meeting_participants (tenant_id, connection_id, user_remote_id);

-- Each Zoom Room's health now (GET /metrics/zoomrooms, DESIGN §6.2), keyed by the room's id.
SELECT pg_temp.create_synced_table('room_health', $$
    room_name text, status text, health text, issues text[] NOT NULL DEFAULT '{}', calendar_name text,
    email text, device_ip text, camera text, microphone text, speaker text, last_start_at timestamptz,
    location_remote_id text $$);

-- Each Zoom Room's issue events (GET /metrics/issues/zoomrooms/{id}), keyed by room, time and issue.
SELECT pg_temp.create_synced_table('room_issues', $$
    room_remote_id text, issue text, occurred_at timestamptz $$);
CREATE INDEX room_issues_room_idx ON room_issues (tenant_id, connection_id, room_remote_id, occurred_at);

-- Live Zoom Room alerts Zoom pushed (zoomroom.alert, zoomroom.delayed_alert), one row per room and subject; the
-- recovery event marks the row deleted. No sync writes here: the webhook does.
SELECT pg_temp.create_synced_table('room_alerts', $$
    room_remote_id text, room_name text, issue text, event text, raised_at timestamptz $$);

-- Licensed active users with no meeting, hosted or joined, in the last 30 days. The last meeting is the latest
-- of: a dashboard meeting they hosted (matched by email, as the dashboard names hosts), a dashboard meeting
-- they joined, a meeting the report API says they attended, and the end of a report period in which they hosted
-- (report_users and past_meeting_participants serve accounts without the dashboard); filter unused_60_days or
-- unused_90_days for the longer questions.
CREATE VIEW licences_without_use WITH (security_invoker = true) AS
SELECT u.tenant_id, u.connection_id, u.id AS user_id, u.remote_id, u.email, u.first_name, u.last_name, u.department, u.last_login_at,
       activity.last_meeting_at,
       floor(extract(epoch FROM now() - coalesce(activity.last_meeting_at, u.created_remote_at, u.first_seen_at)) / 86400)::integer
           AS days_without_meeting,
       coalesce(activity.last_meeting_at < now() - interval '60 days', true) AS unused_60_days,
       coalesce(activity.last_meeting_at < now() - interval '90 days', true) AS unused_90_days
FROM users u
CROSS JOIN LATERAL (
    SELECT greatest(
        (SELECT max(m.start_at) FROM meetings m
         WHERE m.tenant_id = u.tenant_id AND m.connection_id = u.connection_id AND lower(m.host_email) = lower(u.email)
           AND m.deleted_at IS NULL),
        (SELECT max(p.join_at) FROM meeting_participants p
         WHERE p.tenant_id = u.tenant_id AND p.connection_id = u.connection_id AND p.user_remote_id = u.remote_id AND p.deleted_at IS NULL),
        (SELECT max(a.join_at) FROM past_meeting_participants a
         WHERE a.tenant_id = u.tenant_id AND a.connection_id = u.connection_id AND a.user_remote_id = u.remote_id AND a.deleted_at IS NULL),
        (SELECT max(h.period_end)::timestamptz FROM report_active_hosts h
         WHERE h.tenant_id = u.tenant_id AND h.connection_id = u.connection_id AND h.user_remote_id = u.remote_id AND h.meetings > 0
           AND h.deleted_at IS NULL)
    ) AS last_meeting_at
) activity
WHERE u.deleted_at IS NULL AND u.license_type = 'licensed' AND u.status = 'active'
  AND (activity.last_meeting_at IS NULL OR activity.last_meeting_at < now() - interval '30 days');

-- Call quality per account user over the QoS Tether holds (30 days by default): joins, meetings, averages of
-- each join's summaries, the worst loss, and the joins with a bad call (average audio loss over 2%, latency
-- over 150 ms or jitter over 40 ms, in either direction).
CREATE VIEW meeting_quality_by_user WITH (security_invoker = true) AS
SELECT q.tenant_id, q.connection_id, u.id AS user_id, q.user_remote_id, max(q.email) AS email, max(q.user_name) AS user_name,
       count(DISTINCT q.meeting_remote_id) AS meetings, count(*) AS joins, max(q.join_at) AS last_join_at,
       round(avg(q.audio_input_latency_avg_ms), 2) AS audio_in_latency_ms, round(avg(q.audio_output_latency_avg_ms), 2) AS audio_out_latency_ms,
       round(avg(q.audio_input_jitter_avg_ms), 2) AS audio_in_jitter_ms, round(avg(q.audio_output_jitter_avg_ms), 2) AS audio_out_jitter_ms,
       round(avg(q.audio_input_loss_avg_pct), 2) AS audio_in_loss_pct, round(avg(q.audio_output_loss_avg_pct), 2) AS audio_out_loss_pct,
       round(avg(q.video_input_loss_avg_pct), 2) AS video_in_loss_pct, round(avg(q.video_output_loss_avg_pct), 2) AS video_out_loss_pct,
       greatest(max(q.audio_input_loss_max_pct), max(q.audio_output_loss_max_pct)) AS worst_audio_loss_pct,
       count(*) FILTER (WHERE greatest(q.audio_input_loss_avg_pct, q.audio_output_loss_avg_pct) > 2
                          OR greatest(q.audio_input_latency_avg_ms, q.audio_output_latency_avg_ms) > 150
                          OR greatest(q.audio_input_jitter_avg_ms, q.audio_output_jitter_avg_ms) > 40) AS bad_joins
FROM meeting_quality q
LEFT JOIN users u ON u.tenant_id = q.tenant_id AND u.connection_id = q.connection_id AND u.remote_id = q.user_remote_id AND u.deleted_at IS NULL
WHERE q.deleted_at IS NULL AND q.user_remote_id IS NOT NULL
GROUP BY q.tenant_id, q.connection_id, u.id, q.user_remote_id;

-- Zoom Rooms at a glance, per connection: rooms by health, offline rooms, open alerts and issue events of
-- the last 7 days.
CREATE VIEW room_health_summary WITH (security_invoker = true) AS
SELECT h.tenant_id, h.connection_id, count(*) AS rooms,
       count(*) FILTER (WHERE h.health = 'healthy') AS healthy, count(*) FILTER (WHERE h.health = 'warning') AS warning,
       count(*) FILTER (WHERE h.health = 'critical') AS critical, count(*) FILTER (WHERE h.status = 'Offline') AS offline,
       (SELECT count(*) FROM room_alerts a WHERE a.tenant_id = h.tenant_id AND a.connection_id = h.connection_id AND a.deleted_at IS NULL)
           AS open_alerts,
       (SELECT count(*) FROM room_issues i WHERE i.tenant_id = h.tenant_id AND i.connection_id = h.connection_id AND i.deleted_at IS NULL
           AND i.occurred_at >= now() - interval '7 days') AS issues_last_7_days,
       max(h.updated_at) AS updated_at
FROM room_health h
WHERE h.deleted_at IS NULL
GROUP BY h.tenant_id, h.connection_id;
