-- Past meetings from the dashboard (GET /metrics/meetings?type=past, DESIGN §6.2), keyed by the meeting's UUID.
-- The list filters by start time and by host (the dashboard names hosts by email).
CREATE TABLE meetings (
    tenant_id                    uuid NOT NULL,
    id                           uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id                uuid NOT NULL,
    remote_id                    text NOT NULL,
    meeting_id                   text,
    topic                        text,
    host_name                    text,
    host_email                   text,
    host_user_type               text,
    start_at                     timestamptz,
    end_at                       timestamptz,
    duration_seconds             bigint,
    participants                 bigint,
    has_video                    boolean,
    has_screen_share             boolean,
    has_recording                boolean,
    has_pstn                     boolean,
    audio_quality                text,
    video_quality                text,
    screen_share_quality         text,
    department                   text,
    raw                          jsonb NOT NULL,
    content_hash                 bytea NOT NULL,
    first_seen_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    deleted_at                   timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT meetings_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX meetings_updated_idx ON meetings (tenant_id, updated_at, id);
CREATE INDEX meetings_start_idx ON meetings (tenant_id, start_at);
CREATE INDEX meetings_host_idx ON meetings (tenant_id, connection_id, lower(host_email));
ALTER TABLE meetings ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY meetings_tenant ON meetings
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- Who joined each past meeting (GET /metrics/meetings/{uuid}/participants), one row per join, keyed by
-- meeting UUID, participant id and join time.
CREATE TABLE meeting_participants (
    tenant_id                    uuid NOT NULL,
    id                           uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id                uuid NOT NULL,
    remote_id                    text NOT NULL,
    meeting_remote_id            text,
    participant_id               text,
    user_remote_id               text,
    user_name                    text,
    email                        text,
    device                       text,
    ip_address                   text,
    location                     text,
    network_type                 text,
    data_center                  text,
    connection_type              text,
    join_at                      timestamptz,
    leave_at                     timestamptz,
    leave_reason                 text,
    audio_quality                text,
    video_quality                text,
    screen_share_quality         text,
    version                      text,
    raw                          jsonb NOT NULL,
    content_hash                 bytea NOT NULL,
    first_seen_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    deleted_at                   timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT meeting_participants_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX meeting_participants_updated_idx ON meeting_participants (tenant_id, updated_at, id);
CREATE INDEX meeting_participants_meeting_idx ON meeting_participants (tenant_id, connection_id, meeting_remote_id);
CREATE INDEX meeting_participants_user_idx ON meeting_participants (tenant_id, connection_id, user_remote_id);
ALTER TABLE meeting_participants ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY meeting_participants_tenant ON meeting_participants
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- Each participant's QoS (GET /metrics/meetings/{uuid}/participants/qos), summarized per direction: latency
-- and jitter in ms, packet loss in percent (average and worst), average bitrate in kbps; the samples stay in raw.
CREATE TABLE meeting_quality (
    tenant_id                    uuid NOT NULL,
    id                           uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id                uuid NOT NULL,
    remote_id                    text NOT NULL,
    meeting_remote_id            text,
    participant_id               text,
    user_remote_id               text,
    user_name                    text,
    email                        text,
    device                       text,
    join_at                      timestamptz,
    leave_at                     timestamptz,
    samples                      bigint,
    audio_input_latency_avg_ms   numeric,
    audio_input_latency_max_ms   numeric,
    audio_input_jitter_avg_ms    numeric,
    audio_input_jitter_max_ms    numeric,
    audio_input_loss_avg_pct     numeric,
    audio_input_loss_max_pct     numeric,
    audio_input_bitrate_avg_kbps numeric,
    audio_output_latency_avg_ms  numeric,
    audio_output_latency_max_ms  numeric,
    audio_output_jitter_avg_ms   numeric,
    audio_output_jitter_max_ms   numeric,
    audio_output_loss_avg_pct    numeric,
    audio_output_loss_max_pct    numeric,
    audio_output_bitrate_avg_kbps numeric,
    video_input_latency_avg_ms   numeric,
    video_input_latency_max_ms   numeric,
    video_input_jitter_avg_ms    numeric,
    video_input_jitter_max_ms    numeric,
    video_input_loss_avg_pct     numeric,
    video_input_loss_max_pct     numeric,
    video_input_bitrate_avg_kbps numeric,
    video_output_latency_avg_ms  numeric,
    video_output_latency_max_ms  numeric,
    video_output_jitter_avg_ms   numeric,
    video_output_jitter_max_ms   numeric,
    video_output_loss_avg_pct    numeric,
    video_output_loss_max_pct    numeric,
    video_output_bitrate_avg_kbps numeric,
    raw                          jsonb NOT NULL,
    content_hash                 bytea NOT NULL,
    first_seen_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    deleted_at                   timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT meeting_quality_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX meeting_quality_updated_idx ON meeting_quality (tenant_id, updated_at, id);
CREATE INDEX meeting_quality_meeting_idx ON meeting_quality (tenant_id, connection_id, meeting_remote_id);
ALTER TABLE meeting_quality ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY meeting_quality_tenant ON meeting_quality
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());

-- Who attended each past meeting, from the report API (GET /report/meetings/{uuid}/participants), one row per
-- join, keyed like meeting_participants; accounts without the dashboard have this one.
CREATE TABLE past_meeting_participants (
    tenant_id                    uuid NOT NULL,
    id                           uuid NOT NULL DEFAULT gen_random_uuid(),
    connection_id                uuid NOT NULL,
    remote_id                    text NOT NULL,
    meeting_remote_id            text,
    participant_id               text,
    user_remote_id               text,
    name                         text,
    email                        text,
    join_at                      timestamptz,
    leave_at                     timestamptz,
    duration_seconds             bigint,
    status                       text,
    raw                          jsonb NOT NULL,
    content_hash                 bytea NOT NULL,
    first_seen_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    deleted_at                   timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT past_meeting_participants_remote_key UNIQUE (tenant_id, connection_id, remote_id),
    FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX past_meeting_participants_updated_idx ON past_meeting_participants (tenant_id, updated_at, id);
CREATE INDEX past_meeting_participants_meeting_idx ON past_meeting_participants (tenant_id, connection_id, meeting_remote_id);
CREATE INDEX past_meeting_participants_user_idx ON past_meeting_participants (tenant_id, connection_id, user_remote_id);
ALTER TABLE past_meeting_participants ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY past_meeting_participants_tenant ON past_meeting_participants
    USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
