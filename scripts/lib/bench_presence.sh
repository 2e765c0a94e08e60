# Sourced by scripts/bench: per-user fan-out within the rate limits (DESIGN §6.2 user_presence). A fresh
# `tether sandbox` whose Pro account has BENCH_PRESENCE_USERS (default 10,000) users, Zoom's Pro limits on;
# `tether sync --stream user_presence --wait` with one worker reads each licensed active user's presence.
# Figures: the sync's wall time against the least time its requests need at those limits (the baseline:
# the Light presence reads at 30 a second, the Medium user pages at 20), and the 429s the sandbox sent.

presence_users="${BENCH_PRESENCE_USERS:-10000}"

presence_psql() { psql_super "$dir" "$port" -d tether_presence -v ON_ERROR_STOP=1 -Atq "$@"; }
sandbox_counter() { curl -fsS "http://127.0.0.1:$sandbox_port/_sandbox/counters" | python3 -c "import json,sys; c = json.load(sys.stdin); print($1)"; }

say "presence: user_presence of a $presence_users-user Pro account, Zoom's Pro limits on"
fresh_database tether_presence
start_sandbox "$presence_users"
connect_account bench
presence_before_light="$(sandbox_counter 'c["requests_by_category"].get("Light", 0)')"
presence_before_medium="$(sandbox_counter 'c["requests_by_category"].get("Medium", 0)')"
presence_before_429="$(sandbox_counter 'c["rate_limited"]')"
"$tether" worker --concurrency 1 2> "$work/presence-worker.log" &
presence_worker=$!
"$tether" sync --tenant bench --stream user_presence --wait > "$work/presence-sync.out" \
    || die "the presence sync did not succeed: $(tail -n 20 "$work/presence-sync.out")"
presence_light=$(($(sandbox_counter 'c["requests_by_category"].get("Light", 0)') - presence_before_light))
presence_medium=$(($(sandbox_counter 'c["requests_by_category"].get("Medium", 0)') - presence_before_medium))
presence_429=$(($(sandbox_counter 'c["rate_limited"]') - presence_before_429))
kill -TERM "$presence_worker" "$sandbox_pid"; wait "$presence_worker" "$sandbox_pid" 2>/dev/null || true
presence_seconds="$(presence_psql -c "SELECT extract(epoch FROM finished_at - started_at) FROM sync_runs")"
presence_rows="$(presence_psql -c "SELECT count(*) FROM user_presence")"
# The least time: each category's requests at its per-second limit, the categories in parallel at best.
presence_least="$(echo "a = $presence_light / 30; b = $presence_medium / 20; if (a > b) a else b" | bc -l)"

echo
echo "Presence: user_presence of a $presence_users-user Pro account ($(date -u +%Y-%m-%d), $(nproc) cores; one worker, Pro limits)"
echo
printf '| %-58s | %9s | %9s | %9s | %16s |\n' "what" "Light" "Medium" "seconds" "ratio vs least"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..11})" \
    "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..18})"
printf '| %-58s | %9d | %9d | %9.1f | %16.2f |\n' "least time at Pro limits (baseline)" "$presence_light" "$presence_medium" "$presence_least" 1
printf '| %-58s | %9d | %9d | %9.1f | %16.2f |\n' "sync: $presence_rows presences stored, $presence_429 responses 429" "$presence_light" "$presence_medium" \
    "$presence_seconds" "$(echo "$presence_seconds / $presence_least" | bc -l)"
