# Sourced by scripts/bench: actions (DESIGN §6.1) through real processes: `tether sandbox`, `tether serve
# --no-workers` (the API) and `tether worker`. BENCH_ACTIONS (default 1,000) user.deactivate actions, each on
# another active member of the sandbox's Pro account. Figures:
# - latency, rate limits off: the actions asked one after another (`?wait=30`), queue to finished as the
#   ledger has it (created_at to finished_at; and claimed to finished, the worker's own work), p50 and p99,
#   next to the sandbox's own round trip for the
#   three requests such an action sends (GET the user, PUT its status, GET it again), timed in the same run
#   over one kept-alive connection (the baseline);
# - throughput, Zoom's Pro limits on: the actions queued at once and drained by one worker; actions per second
#   against the most those limits allow (30 Light requests a second, 3 per action: 10 a second; the limiter
#   keeps to 90 % of that, 9 a second), and the 429s.

bench_actions="${BENCH_ACTIONS:-1000}"

actions_psql() { psql_super "$dir" "$port" -d tether_actions -v ON_ERROR_STOP=1 -Atq "$@"; }

# actions_setup [SANDBOX FLAG…]: a fresh database and sandbox (enough active members for twice
# BENCH_ACTIONS), the account connected and its users synced; starts the API. Sets api_port, serve_pid and
# members (a file of the members' Zoom ids, one a line).
actions_setup() {
    local worker_pid users=$((bench_actions * 3 + 1000))
    fresh_database tether_actions
    start_sandbox "$users" "$@"
    connect_account bench
    "$tether" worker --concurrency 1 2> "$work/actions-sync.log" &
    worker_pid=$!
    "$tether" sync --tenant bench --stream users --wait > "$work/actions-sync.out" || die "the users sync failed: $(tail -n 5 "$work/actions-sync.out")"
    kill -TERM "$worker_pid"; wait "$worker_pid" 2>/dev/null || true
    actions_psql -c "SELECT remote_id FROM users WHERE role_id = '2' AND status = 'active' ORDER BY remote_id" > "$work/members"
    [ "$(wc -l < "$work/members")" -ge $((bench_actions * 2)) ] || die "the sandbox has too few active members"
    connection="$(actions_psql -c "SELECT id FROM connections")"
    api_port="$(free_port 18085)"
    start_api "$api_port" "$work/actions-serve.log"
}

# ask_actions MODE: asks for BENCH_ACTIONS user.deactivate actions on the first members, one after another
# and waiting for each (MODE wait) or all at once without waiting (MODE queue).
ask_actions() {
    python3 - "$1" "$api_port" "$api_key" "$connection" "$bench_actions" "$work/members" <<'PY'
import http.client, json, sys, time
mode, port, key, connection, count, members = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
users = open(members).read().split()[:count]
api = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
path = f"/v1/tenants/bench/connections/{connection}/actions" + ("?wait=30" if mode == "wait" else "?wait=0")
for user in users:
    body = json.dumps({"action": "user.deactivate", "input": {"user": user}, "idempotency_key": f"bench-{user}"})
    while True:
        api.request("POST", path, body, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        answer = api.getresponse()
        status = json.loads(answer.read()).get("status")
        # Tether's API limits each key's requests: a backend asking fast waits as told, and asks again
        # with the same idempotency key.
        if answer.status != 429:
            break
        time.sleep(float(answer.getheader("Retry-After") or 1))
    if answer.status not in (200, 202) or (mode == "wait" and status != "succeeded"):
        sys.exit(f"action on {user} answered {answer.status}, {status}")
PY
}

say "actions: $bench_actions user.deactivate, one after another, rate limits off (latency)"
actions_setup --no-rate-limits
"$tether" worker --concurrency 1 --no-rate-limits 2> "$work/actions-worker.log" &
actions_worker=$!
ask_actions wait || die "an action did not succeed: $(tail -n 5 "$work/actions-worker.log")"
kill -TERM "$actions_worker" "$serve_pid"; wait "$actions_worker" "$serve_pid" 2>/dev/null || true
read -r latency_p50 latency_p99 work_p50 work_p99 < <(actions_psql -F ' ' -c "
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY work), percentile_cont(0.99) WITHIN GROUP (ORDER BY work)
    FROM (SELECT extract(epoch FROM finished_at - created_at) * 1000 AS ms, extract(epoch FROM finished_at - started_at) * 1000 AS work
          FROM actions WHERE status = 'succeeded') a")
say "the sandbox's round trip for the same three requests, on members no action touched (baseline)"
read -r round_p50 round_p99 < <(python3 - "$sandbox_port" "$account" "$credentials" "$bench_actions" "$work/members" <<'PY'
import base64, http.client, json, statistics, sys, time
port, account, credentials, count, members = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
client_id, secret = credentials.split(" / ")
zoom = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
zoom.request("POST", f"/oauth/token?grant_type=account_credentials&account_id={account}", headers={"Authorization": f"Basic {basic}"})
token = json.loads(zoom.getresponse().read())["access_token"]
headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
def call(method, path, body=None):
    zoom.request(method, path, body, headers)
    answer = zoom.getresponse()
    answer.read()
    if answer.status >= 300: sys.exit(f"{method} {path} answered {answer.status}")
times = []
for user in open(members).read().split()[count:2 * count]:
    began = time.perf_counter()
    call("GET", f"/v2/users/{user}")
    call("PUT", f"/v2/users/{user}/status", json.dumps({"action": "deactivate"}))
    call("GET", f"/v2/users/{user}")
    times.append((time.perf_counter() - began) * 1000)
times.sort()
print(f"{statistics.median(times):.2f} {times[int(len(times) * 0.99) - 1]:.2f}")
PY
)
kill -TERM "$sandbox_pid"; wait "$sandbox_pid" 2>/dev/null || true

say "actions: $bench_actions user.deactivate queued at once, one worker, Zoom's Pro limits (throughput)"
actions_setup
ask_actions queue || die "the actions could not be queued"
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
before_429="$(curl -fsS "http://127.0.0.1:$sandbox_port/_sandbox/counters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rate_limited"])')"
drain_started="$(actions_psql -c "SELECT extract(epoch FROM clock_timestamp())")"
"$tether" worker --concurrency 1 2> "$work/actions-worker.log" &
actions_worker=$!
while [ "$(actions_psql -c "SELECT count(*) FROM actions WHERE status IN ('queued', 'running')")" != 0 ]; do sleep 1; done
after_429="$(curl -fsS "http://127.0.0.1:$sandbox_port/_sandbox/counters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rate_limited"])')"
kill -TERM "$actions_worker" "$sandbox_pid"; wait "$actions_worker" "$sandbox_pid" 2>/dev/null || true
read -r drained succeeded < <(actions_psql -F ' ' -c "
    SELECT extract(epoch FROM max(finished_at)) - $drain_started, count(*) FILTER (WHERE status = 'succeeded') FROM actions")
actions_rate="$(echo "$succeeded / $drained" | bc -l)"

echo
echo "Actions: $bench_actions user.deactivate ($(date -u +%Y-%m-%d), $(nproc) cores; one worker)"
echo
printf '| %-66s | %10s | %10s | %17s |\n' "latency, rate limits off" "p50 ms" "p99 ms" "p50 vs baseline"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..68})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..19})"
printf '| %-66s | %10.2f | %10.2f | %17.2f |\n' "sandbox round trip: GET user, PUT status, GET user (baseline)" "$round_p50" "$round_p99" 1
printf '| %-66s | %10.2f | %10.2f | %17.2f |\n' "action, queue to finished (ledger), asked one after another" "$latency_p50" "$latency_p99" \
    "$(echo "$latency_p50 / $round_p50" | bc -l)"
printf '| %-66s | %10.2f | %10.2f | %17.2f |\n' "of which claimed to finished: the worker's own work" "$work_p50" "$work_p99" \
    "$(echo "$work_p50 / $round_p50" | bc -l)"
echo
printf '| %-66s | %10s | %10s | %17s |\n' "throughput, Zoom's Pro limits" "actions" "actions/s" "of the maximum"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..68})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..19})"
printf '| %-66s | %10s | %10.2f | %17.2f |\n' "most Pro allows: 30 Light requests/s, 3 per action" "-" 10 1
printf '| %-66s | %10s | %10.2f | %17.2f |\n' "Tether's pace: 90 % of the plan's rate, room for the account's other apps" "-" 9 0.9
printf '| %-66s | %10d | %10.2f | %17.2f |\n' "queued at once, drained by one worker ($((after_429 - before_429)) responses 429)" "$succeeded" "$actions_rate" \
    "$(echo "$actions_rate / 10" | bc -l)"
