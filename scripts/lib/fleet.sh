# Sourced by scripts/bench and scripts/faults (after common.sh, with $dir, $port, $work and $tether set):
# Tether as operators run it — real processes against a local cluster and the Zoom sandbox.

# fresh_database NAME: an empty, migrated database NAME owned by fleet_owner (who migrates), with fleet_app
# (no superuser, no BYPASSRLS, owns nothing) as the runtime role, as in production. Exports DATABASE_URL.
fresh_database() {
    psql_super "$dir" "$port" >/dev/null <<SQL
DROP DATABASE IF EXISTS $1 WITH (FORCE);
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fleet_owner') THEN CREATE ROLE fleet_owner LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fleet_app') THEN CREATE ROLE fleet_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF;
END \$\$;
CREATE DATABASE $1 OWNER fleet_owner;
\c $1
ALTER DEFAULT PRIVILEGES FOR ROLE fleet_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO fleet_app;
ALTER DEFAULT PRIVILEGES FOR ROLE fleet_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO fleet_app;
SQL
    DATABASE_MIGRATION_URL="postgresql://fleet_owner@127.0.0.1:$port/$1" "$tether" migrate up >/dev/null
    export DATABASE_URL="postgresql://fleet_app@127.0.0.1:$port/$1"
    export TETHER_VAULT_KEYS="${fleet_vault_keys:=$("$tether" vault generate-key --id fleet)}"
}

# start_sandbox USERS [FLAG…]: starts `tether sandbox` with the control API; sets sandbox_pid, sandbox_port,
# account (the Pro account's id) and credentials ("client id / secret" of its server-to-server app), and
# points ZOOM_* at it.
start_sandbox() {
    local users="$1"; shift
    sandbox_port="$(free_port 18090)"
    "$tether" sandbox --port "$sandbox_port" --users "$users" --control-api "$@" > "$work/sandbox.out" 2> "$work/sandbox.log" &
    sandbox_pid=$!
    for _ in $(seq 1 100); do grep -q '^Redirect URIs:' "$work/sandbox.out" 2>/dev/null && break; sleep 0.2; done
    account="$(sed -n 's/^  Sandbox Pro Inc\.: id \([^,]*\),.*/\1/p' "$work/sandbox.out")"
    credentials="$(sed -n 's/^  Sandbox Pro Inc\. server-to-server app: //p' "$work/sandbox.out")"
    [ -n "$account" ] && [ -n "$credentials" ] || die "the sandbox did not start: $(cat "$work/sandbox.log")"
    export ZOOM_OAUTH_BASE_URL="http://127.0.0.1:$sandbox_port" ZOOM_API_BASE_URL="http://127.0.0.1:$sandbox_port/v2"
}

# start_api PORT LOG [VAR=value…]: `tether serve --no-workers` on 127.0.0.1:PORT with the given environment,
# in the background, once /readyz answers; sets serve_pid.
start_api() {
    local api_port="$1" log="$2"
    shift 2
    env TETHER_LISTEN="127.0.0.1:$api_port" "$@" "$tether" serve --no-workers 2> "$log" &
    serve_pid=$!
    for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
}

# connect_account SLUG: creates tenant SLUG and an API key (api_key), then connects the sandbox's Pro account
# through the API as a backend would, with `tether serve --no-workers`; keeps no queued run and schedules
# nothing for a day, so the caller decides what runs.
connect_account() {
    local serve_pid api_port
    "$tether" tenants create "$1" >/dev/null
    api_key="$("$tether" api-keys create --tenant "$1" | tail -n 1)"
    api_port="$(free_port 18080)"
    start_api "$api_port" "$work/connect-serve.log"
    curl -fsS -X POST "http://127.0.0.1:$api_port/v1/tenants/$1/connections" -H "Authorization: Bearer $api_key" \
        -H 'Content-Type: application/json' \
        -d "{\"provider\":\"zoom\",\"mode\":\"server_to_server\",\"account_id\":\"$account\",\"client_id\":\"${credentials%% / *}\",\"client_secret\":\"${credentials##* / }\"}" \
        >/dev/null || die "connecting the sandbox account failed: $(tail -n 5 "$work/connect-serve.log")"
    kill -TERM "$serve_pid"; wait "$serve_pid" || true
    psql_super "$dir" "$port" -d "${DATABASE_URL##*/}" -Atq -c \
        "DELETE FROM sync_runs; UPDATE connection_streams SET next_sync_at = now() + interval '1 day'"
}

# ensure_wrk: installs the wrk load generator if it is missing.
ensure_wrk() {
    command -v wrk >/dev/null || { say "installing wrk"; as_root apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
}

# wrk_p99 FILE: the 99th-percentile latency of a `wrk --latency` report, in ms.
wrk_p99() {
    awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }' "$1"
}

# wrk_errors FILE: non-2xx answers plus socket errors (connect, read, write, timeout) in a wrk report.
wrk_errors() {
    local non2xx socket
    non2xx="$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$1")"
    socket="$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 + \2 + \3 + \4/p' "$1")"
    echo "${non2xx:-0} + ${socket:-0}" | bc
}
