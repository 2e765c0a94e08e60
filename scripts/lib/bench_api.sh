# Sourced by scripts/bench: the data API as backend services use it. A database holding one tenant with
# BENCH_API_USERS (default 1,000,000) users, `tether serve --no-workers` with rate limits off, and `wrk`
# paging `GET /v1/tenants/bench/users?limit=100` from random cursors; next to it, in the same run,
# `pgbench` running the transaction that serves one such page (tenant scope, the change-order lock of its users, the
# keyset query that renders the rows as JSON) against the same rows, as the same role. The difference is
# what the HTTP layer, API-key authentication and the tenant lookup cost.

api_users="${BENCH_API_USERS:-1000000}"
api_seconds="${BENCH_API_SECONDS:-20}"
api_clients="${BENCH_API_CLIENTS:-16}"

ensure_wrk
command -v pgbench >/dev/null || PATH="$(pg_bindir):$PATH"

api_psql() { psql_super "$dir" "$port" -d tether_api -v ON_ERROR_STOP=1 -Atq "$@"; }

say "data API: a database with $api_users users"
fresh_database tether_api
"$tether" tenants create bench >/dev/null
api_key="$("$tether" api-keys create --tenant bench | tail -n 1)"
tenant_id="$(api_psql -c "SELECT id FROM tenants WHERE slug = 'bench'")"
api_psql >/dev/null <<SQL
INSERT INTO connections (tenant_id, id, provider, mode, status, external_account_id, client_id)
VALUES ('$tenant_id', gen_random_uuid(), 'zoom', 'server_to_server', 'active', 'bench-account', 'bench-client');
INSERT INTO users (tenant_id, connection_id, remote_id, email, first_name, last_name, display_name, status, license_type, role_id,
                   department, job_title, timezone, group_ids, last_login_at, created_remote_at, raw, content_hash, updated_at)
SELECT c.tenant_id, c.id, 'u' || i, 'user' || i || '@example.com', 'First' || i, 'Last' || i, 'First Last ' || i,
       CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'active' END, CASE WHEN i % 3 = 0 THEN 'basic' ELSE 'licensed' END, '2',
       'Department ' || (i % 20), 'Engineer', 'Europe/Berlin', ARRAY['g' || (i % 50)], now() - (i % 365) * interval '1 day',
       now() - interval '2 years', jsonb_build_object('id', 'u' || i, 'email', 'user' || i || '@example.com', 'type', 2),
       sha256(('u' || i)::bytea), now() - ($api_users - i) * interval '1 millisecond'
FROM connections c, generate_series(1, $api_users) i;
-- 1,000 page starts spread over the table, for both clients to pick from.
CREATE TABLE bench_cursors AS
SELECT row_number() OVER () AS n, updated_at, id FROM (SELECT updated_at, id FROM users ORDER BY random() LIMIT 1000) s;
GRANT SELECT ON bench_cursors TO fleet_app;
VACUUM ANALYZE;
SQL
api_psql -c "SELECT 'v1.' || (extract(epoch FROM updated_at) * 1000000)::bigint || '.' || id FROM bench_cursors ORDER BY n" > "$work/cursors.txt"

# What one page costs in SQL, exactly as SyncedData.list runs it (rendering included). pgbench runs it in
# simple mode: like Tether's unnamed extended-protocol statements, each is planned when it runs (and
# pgbench's other modes take the colons of the time formats for variables).
cat > "$work/page.sql" <<SQL
\set n random(1, 1000)
BEGIN;
SELECT set_config('app.tenant_id', '$tenant_id', true);
SELECT pg_advisory_xact_lock_shared(1415926383, hashtext('$tenant_id/users'));
SELECT json_build_object('id', id, 'connection_id', connection_id, 'remote_id', remote_id, 'email', email, 'first_name', first_name,
    'last_name', last_name, 'display_name', display_name, 'status', status, 'license_type', license_type, 'role_id', role_id,
    'department', department, 'job_title', job_title, 'timezone', timezone, 'group_ids', to_jsonb(group_ids),
    'last_login_at', to_char(last_login_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'created_remote_at', to_char(created_remote_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'deleted', deleted_at IS NOT NULL, 'deleted_at', to_char(deleted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
    'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text,
    (extract(epoch FROM updated_at) * 1000000)::bigint, id
FROM users WHERE tenant_id = '$tenant_id' AND deleted_at IS NULL
  AND (updated_at, id) > (SELECT updated_at, id FROM bench_cursors WHERE n = :n)
ORDER BY updated_at, id LIMIT 101;
COMMIT;
SQL

cat > "$work/pages.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("BENCH_CURSORS")) do
  paths[#paths + 1] = "/v1/tenants/bench/users?limit=100&cursor=" .. line
end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA

# pgbench_p99 LOGPREFIX: the 99th percentile of the logged transaction latencies, in ms.
pgbench_p99() {
    cat "$1".* | awk '{ print $3 }' | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", v[i] / 1000 }'
}
run_pgbench() {
    rm -f "$work"/pgb.*
    pgbench -n -M simple -c "$api_clients" -j 2 -T "$api_seconds" -f "$work/page.sql" -l --log-prefix="$work/pgb" \
        "$DATABASE_URL" > "$work/pgbench.out" 2>&1 || die "pgbench failed: $(tail -n 5 "$work/pgbench.out")"
    pgbench_tps="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.out" | head -n 1)"
    pgbench_p99="$(pgbench_p99 "$work/pgb")"
}

say "pgbench, the page transaction alone (baseline): $api_clients clients, ${api_seconds} s"
run_pgbench
pgbench_tps1="$pgbench_tps"; pgbench_p991="$pgbench_p99"

api_port="$(free_port 18180)"
TETHER_LISTEN="127.0.0.1:$api_port" TETHER_API_RATE_LIMIT=0 TETHER_LOG_LEVEL=warning \
    "$tether" serve --no-workers --database-connections "$api_clients" 2> "$work/api-serve.log" &
api_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$api_port/v1/tenants/bench/users?limit=100" -H "Authorization: Bearer $api_key" | grep -q '"next_cursor":"v1\.' \
    || die "the API did not serve a page: $(tail -n 5 "$work/api-serve.log")"

say "wrk, GET users?limit=100 from random cursors: $api_clients connections, ${api_seconds} s"
BENCH_CURSORS="$work/cursors.txt" BENCH_KEY="$api_key" \
    wrk -t2 -c "$api_clients" -d "${api_seconds}s" --latency -s "$work/pages.lua" "http://127.0.0.1:$api_port" > "$work/wrk.out"
kill -TERM "$api_pid"; wait "$api_pid" 2>/dev/null || true
api_rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$work/wrk.out")"
api_p99="$(wrk_p99 "$work/wrk.out")"
api_errors="$(wrk_errors "$work/wrk.out")"

say "pgbench again (baseline after)"
run_pgbench
pgbench_tps2="$pgbench_tps"; pgbench_p992="$pgbench_p99"

base_tps="$(echo "($pgbench_tps1 + $pgbench_tps2) / 2" | bc -l)"
base_p99="$(echo "($pgbench_p991 + $pgbench_p992) / 2" | bc -l)"
echo
echo "Data API: pages of 100 users from $api_users ($(date -u +%Y-%m-%d), $(nproc) cores, $api_clients concurrent clients, ${api_seconds} s each)"
echo
printf '| %-58s | %10s | %12s | %16s | %14s |\n' "what" "pages/s" "p99 ms" "pages/s ratio" "p99 ratio"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..14})" \
    "$(printf -- '-%.0s' {1..18})" "$(printf -- '-%.0s' {1..16})"
printf '| %-58s | %10.0f | %12.2f | %16.2f | %14.2f |\n' "pgbench, the page's SQL transaction (baseline, mean of 2)" "$base_tps" "$base_p99" 1 1
printf '| %-58s | %10.0f | %12.2f | %16.2f | %14.2f |\n' "GET /v1/tenants/bench/users?limit=100 over HTTP (wrk)" "$api_rps" "$api_p99" \
    "$(echo "$api_rps / $base_tps" | bc -l)" "$(echo "$api_p99 / $base_p99" | bc -l)"
echo
printf 'baseline runs: %.0f and %.0f pages/s, p99 %.2f and %.2f ms; API errors (non-2xx and socket): %s\n' "$pgbench_tps1" "$pgbench_tps2" \
    "$pgbench_p991" "$pgbench_p992" "$api_errors"
