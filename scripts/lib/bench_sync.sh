# Sourced by scripts/bench: the sync engine measured as operators run it. Each scenario starts from an empty
# database and a fresh `tether sandbox`, connects its Pro account with server-to-server credentials through
# the API (scripts/lib/fleet.sh), then `tether sync --tenant bench --stream users --stream groups --stream group_members --wait`
# while one `tether worker` (concurrency 1) does the work. With Zoom's Pro limits on, the sync is of every
# stream the account has.

sync_users="${BENCH_SYNC_USERS:-100000}"
large_users="${BENCH_SYNC_LARGE_USERS:-1000000}"
# Every stream of a Pro account: past meetings' participants alone need about four Heavy requests per user,
# and Pro allows 30,000 Heavy requests a day, so the account is kept small enough for one day's quota.
rate_users="${BENCH_RATE_USERS:-300}"
streams=(--stream users --stream groups --stream group_members)

sync_psql() { psql_super "$dir" "$port" -d tether_sync -v ON_ERROR_STOP=1 -Atq "$@"; }

# cpu_seconds PID: the user and system CPU time the process has used so far.
cpu_seconds() { awk -v tick="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / tick }' "/proc/$1/stat"; }

# postgres_cpu_seconds: the CPU time of the whole cluster so far: the postmaster, its live backends and
# the backends that have ended (counted in the postmaster's children's times).
postgres_cpu_seconds() {
    local postmaster
    postmaster="$(head -n 1 "$dir/postmaster.pid")"
    { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat"
      for child in $(pgrep -P "$postmaster"); do awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null; done
    } | awk -v tick="$(getconf CLK_TCK)" '{ total += $1 } END { printf "%.2f", total / tick }'
}

# sync_scenario USERS on|off [all]: runs one sync (of every stream with "all"); sets run_seconds, records,
# peak_kib, rate_limited, minimum_seconds (the least time the requests it made need at Zoom's Pro limits,
# each category used at once), sequential_seconds (the same, categories one after another),
# requests_by_category (the sandbox's counts, JSON), worker_cpu (the CPU
# seconds of the worker, which starts for this sync), sandbox_cpu and postgres_cpu (the sandbox's and the
# cluster's, during the sync).
sync_scenario() {
    local users="$1" limits="$2" worker_pid sync_streams=("${streams[@]}")
    [ "${3:-}" = all ] && sync_streams=()
    fresh_database tether_sync
    local sandbox_flags=()
    [ "$limits" = on ] || sandbox_flags+=(--no-rate-limits)
    start_sandbox "$users" ${sandbox_flags[@]+"${sandbox_flags[@]}"}
    connect_account bench

    local worker_flags=(--concurrency 1)
    [ "$limits" = on ] || worker_flags+=(--no-rate-limits)
    "$tether" worker "${worker_flags[@]}" 2> "$work/worker.log" &
    worker_pid=$!
    local sandbox_before postgres_before
    sandbox_before="$(cpu_seconds "$sandbox_pid")"
    postgres_before="$(postgres_cpu_seconds)"
    "$tether" sync --tenant bench ${sync_streams[@]+"${sync_streams[@]}"} --wait > "$work/sync.out" || die "the sync did not succeed: $(tail -n 20 "$work/sync.out")"
    peak_kib="$(awk '/^VmHWM/ { print $2 }' "/proc/$worker_pid/status")"
    worker_cpu="$(cpu_seconds "$worker_pid")"
    sandbox_cpu="$(echo "$(cpu_seconds "$sandbox_pid") - $sandbox_before" | bc -l)"
    postgres_cpu="$(echo "$(postgres_cpu_seconds) - $postgres_before" | bc -l)"
    curl -fsS "http://127.0.0.1:$sandbox_port/_sandbox/counters" > "$work/counters.json"
    kill -TERM "$worker_pid" "$sandbox_pid"; wait "$worker_pid" "$sandbox_pid" 2>/dev/null || true

    run_seconds="$(sync_psql -c "SELECT extract(epoch FROM finished_at - started_at) FROM sync_runs")"
    records="$(sync_psql -c "SELECT sum(fetched) FROM sync_run_streams")"
    # Each category's requests need count / rate seconds at Zoom's Pro limits (Light 30/s, Medium 20/s,
    # Heavy 10/s, Resource-intensive 10/min; Zoom Phone's Medium 10/s and Heavy 5/s): the least time is the
    # longest of them when the categories are used at once, their sum when one follows another.
    read -r minimum_seconds sequential_seconds rate_limited requests_by_category < <(python3 - "$work/counters.json" <<'PY'
import json, sys
counters = json.load(open(sys.argv[1]))
rates = {"Light": 30, "Medium": 20, "Heavy": 10, "Phone Medium": 10, "Phone Heavy": 5}
by_category = counters.get("requests_by_category", {})
seconds = [count / rates.get(category, 10 / 60) for category, count in by_category.items()] or [0]
print(f"{max(seconds):.3f} {sum(seconds):.3f} {counters.get('rate_limited', 0)} {json.dumps(by_category, sort_keys=True, separators=(',', ':'))}")
PY
)
}

# copy_the_sync RECORDS: exports the rows the last sync stored and copies them twice (copy_stored_rows); sets
# copy_records, copy1 and copy2.
copy_the_sync() {
    local table
    for table in users groups group_members; do
        psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/tether_sync" -c "\\copy (SELECT * FROM $table) TO '$work/$table.copy'"
    done
    copy_records="$(cat "$work/users.copy" "$work/groups.copy" "$work/group_members.copy" | wc -l)"
    [ "$copy_records" = "$1" ] || say "note: the sync fetched $1 records and stored $copy_records rows"
    say "psql \\copy of the same $copy_records rows (baseline, two runs)"
    copy1="$(copy_stored_rows)"; copy2="$(copy_stored_rows)"
}

# The raw COPY rate of the rows a sync stored: the same rows, exported, copied into empty tables with the
# same columns, indexes and constraints. Prints seconds.
copy_stored_rows() {
    local started ended table
    for table in users groups group_members; do
        sync_psql -c "DROP TABLE IF EXISTS copy_$table; CREATE TABLE copy_$table (LIKE $table INCLUDING ALL)"
        sync_psql -c "CHECKPOINT"
    done
    started="$(date +%s.%N)"
    for table in users groups group_members; do
        psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/tether_sync" -c "\\copy copy_$table FROM '$work/$table.copy'"
    done
    ended="$(date +%s.%N)"
    echo "$ended - $started" | bc -l
}

# The code before issue 20 (BENCH_SYNC_BASELINE_REV, empty to skip), built in its own worktree under .data
# and run in the same benchmark: what the issue set out to halve, on the same machine the same day.
baseline_rev="${BENCH_SYNC_BASELINE_REV-18dfcbd}"
# Each size is synced this many times by each build, the two builds taking turns, and each side keeps its
# least figures: other work on a shared machine only ever adds time, and taking turns spreads it over both.
repeats="${BENCH_SYNC_REPEATS:-2}"
current_tether="$tether"
if [ -n "$baseline_rev" ]; then
    baseline_tree="$ROOT/.data/bench-baseline"
    if [ ! -e "$baseline_tree/.git" ]; then
        git -C "$ROOT" worktree add --force --detach "$baseline_tree" "$baseline_rev" >/dev/null 2>&1 || die "no worktree of $baseline_rev"
    fi
    git -C "$baseline_tree" checkout -q --detach "$baseline_rev" || die "cannot check $baseline_rev out in $baseline_tree"
    say "building tether at $baseline_rev (release), the code before issue 20"
    (cd "$baseline_tree" && swift build -c release --product tether >&2) || die "building tether at $baseline_rev failed"
fi

least() { printf '%s\n' "$@" | sort -g | head -n 1; }
most() { printf '%s\n' "$@" | sort -g | tail -n 1; }

# measure_size USERS PREFIX: syncs USERS users `repeats` times with each build, taking turns, and sets
# PREFIX_seconds, _records, _peak, _worker_cpu, _sandbox_cpu and _postgres_cpu for now (the least of its
# runs; the peak the most) and before_PREFIX_… for the baseline. Ends with the current build's sync stored.
measure_size() {
    local users="$1" prefix="$2" side run
    local -A seconds=() worker=() sandbox=() postgres=() peak=() count=()
    for run in $(seq 1 "$repeats"); do
        for side in before now; do
            [ "$side" = before ] && [ -z "$baseline_rev" ] && continue
            if [ "$side" = before ]; then tether="$baseline_tree/.build/release/tether"; else tether="$current_tether"; fi
            say "sync $run of $repeats at ${side/before/$baseline_rev}, rate limits off: $users users"
            sync_scenario "$users" off
            seconds[$side]+="$run_seconds "; worker[$side]+="$worker_cpu "; sandbox[$side]+="$sandbox_cpu "
            postgres[$side]+="$postgres_cpu "; peak[$side]+="$peak_kib "; count[$side]="$records"
        done
    done
    tether="$current_tether"
    for side in before now; do
        [ -n "${count[$side]:-}" ] || continue
        local name="${prefix}"
        [ "$side" = before ] && name="before_${prefix}"
        printf -v "${name}_records" '%s' "${count[$side]}"
        # shellcheck disable=SC2086
        {
            printf -v "${name}_seconds" '%s' "$(least ${seconds[$side]})"
            printf -v "${name}_worker_cpu" '%s' "$(least ${worker[$side]})"
            printf -v "${name}_sandbox_cpu" '%s' "$(least ${sandbox[$side]})"
            printf -v "${name}_postgres_cpu" '%s' "$(least ${postgres[$side]})"
            printf -v "${name}_peak" '%s' "$(most ${peak[$side]})"
        }
        say "worker CPU s per run at ${side/before/$baseline_rev}, $users users: ${worker[$side]}(records: ${count[$side]})"
    done
}

measure_size "$sync_users" sync
copy_the_sync "$sync_records"
small_copy_records="$copy_records"; small_copy1="$copy1"; small_copy2="$copy2"
before_seconds="${before_sync_seconds:-}"; before_records="${before_sync_records:-}"; before_worker_cpu="${before_sync_worker_cpu:-}"
before_sandbox_cpu="${before_sync_sandbox_cpu:-}"; before_postgres_cpu="${before_sync_postgres_cpu:-}"

measure_size "$large_users" large
copy_the_sync "$large_records"
large_copy_records="$copy_records"; large_copy1="$copy1"; large_copy2="$copy2"

say "sync of every stream, Zoom's Pro rate limits on: $rate_users users"
sync_scenario "$rate_users" on all
limited_seconds="$run_seconds"; limited_records="$records"; limited_minimum="$minimum_seconds"; limited_429="$rate_limited"
limited_sequential="$sequential_seconds"
limited_requests="$requests_by_category"

per_second() { echo "$1 / $2" | bc -l; }
echo
echo "Syncing users, groups and group members ($(date -u +%Y-%m-%d), $(nproc) cores; one worker, concurrency 1)"
echo
printf '| %-56s | %9s | %9s | %10s | %19s |\n' "what" "records" "seconds" "records/s" "ratio vs psql \\copy"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..58})" "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..11})" \
    "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..21})"
# Each size against psql \copy of its own sync's rows: a larger table takes rows more slowly, also from COPY.
for size in small large; do
    if [ "$size" = small ]; then
        users="$sync_users"; baseline_records="$small_copy_records"; first="$small_copy1"; second="$small_copy2"
        runs=("sync of $sync_users users|$sync_records|$sync_seconds")
        [ -n "$baseline_rev" ] && runs=("sync of $sync_users users at $baseline_rev (before issue 20)|$before_records|$before_seconds" "${runs[@]}")
    else
        users="$large_users"; baseline_records="$large_copy_records"; first="$large_copy1"; second="$large_copy2"
        runs=("sync of $large_users users|$large_records|$large_seconds")
        [ -n "$baseline_rev" ] && runs=("sync of $large_users users at $baseline_rev (before issue 20)|$before_large_records|$before_large_seconds" "${runs[@]}")
    fi
    copy_seconds="$(echo "($first + $second) / 2" | bc -l)"
    copy_rate="$(per_second "$baseline_records" "$copy_seconds")"
    printf '| %-56s | %9d | %9.2f | %10.0f | %19.2f |\n' "psql \\copy of the $users-user sync's rows (mean of 2)" "$baseline_records" \
        "$copy_seconds" "$copy_rate" 1
    for entry in "${runs[@]}"; do
        IFS='|' read -r label count secs <<< "$entry"
        rate="$(per_second "$count" "$secs")"
        printf '| %-56s | %9d | %9.2f | %10.0f | %19.2f |\n' "$label" "$count" "$secs" "$rate" "$(echo "$rate / $copy_rate" | bc -l)"
    done
done
echo
printf 'baseline runs: %.2f s and %.2f s, %.2f s and %.2f s (their spread shows the noise); syncs with rate limits off,\n' \
    "$small_copy1" "$small_copy2" "$large_copy1" "$large_copy2"
printf 'each the least of %s runs per build, the builds taking turns (every run is in the log)\n' "$repeats"
echo
# CPU is counted, not timed: it varies far less than wall time on a shared machine. The sandbox's share
# tells how much of the machine the benchmark's own Zoom took from the worker and PostgreSQL.
printf '| %-52s | %16s | %17s | %10s |\n' "CPU seconds per 100,000 records" "worker" "sandbox" "PostgreSQL"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "$(printf -- '-%.0s' {1..18})" "$(printf -- '-%.0s' {1..19})" "$(printf -- '-%.0s' {1..12})"
per_100k() { echo "$1 * 100000 / $2" | bc -l; }
runs=("sync of $sync_users users|$sync_records|$sync_worker_cpu|$sync_sandbox_cpu|$sync_postgres_cpu"
    "sync of $large_users users|$large_records|$large_worker_cpu|$large_sandbox_cpu|$large_postgres_cpu")
[ -n "$baseline_rev" ] && runs=("sync of $sync_users users at $baseline_rev|$before_records|$before_worker_cpu|$before_sandbox_cpu|$before_postgres_cpu"
    "sync of $large_users users at $baseline_rev|$before_large_records|$before_large_worker_cpu|$before_large_sandbox_cpu|$before_large_postgres_cpu"
    "${runs[@]}")
for entry in "${runs[@]}"; do
    IFS='|' read -r label count worker sandbox postgres <<< "$entry"
    printf '| %-52s | %16.2f | %17.2f | %10.2f |\n' "$label" "$(per_100k "$worker" "$count")" "$(per_100k "$sandbox" "$count")" \
        "$(per_100k "$postgres" "$count")"
done
if [ -n "$baseline_rev" ]; then
    echo
    printf "worker CPU per record now / at %s (aim: at most 0.50): %.2f at %s users, %.2f at %s users\n" "$baseline_rev" \
        "$(echo "($sync_worker_cpu / $sync_records) / ($before_worker_cpu / $before_records)" | bc -l)" "$sync_users" \
        "$(echo "($large_worker_cpu / $large_records) / ($before_large_worker_cpu / $before_large_records)" | bc -l)" "$large_users"
fi
echo
printf '| %-40s | %14s |\n' "peak memory of the worker (VmHWM)" "MiB"
printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..42})" "$(printf -- '-%.0s' {1..16})"
printf '| %-40s | %14.1f |\n' "$sync_users users" "$(echo "$sync_peak / 1024" | bc -l)"
printf '| %-40s | %14.1f |\n' "$large_users users" "$(echo "$large_peak / 1024" | bc -l)"
echo
echo "Rate-limit efficiency: a sync of every stream of a $rate_users-user account, $limited_records records, Zoom's Pro limits in the sandbox and the worker"
echo "requests by category: $limited_requests"
echo
printf '| %-66s | %9s |\n' "figure" "value"
printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..68})" "$(printf -- '-%.0s' {1..11})"
printf '| %-66s | %9.2f |\n' "wall time of the run (s)" "$limited_seconds"
printf '| %-66s | %9.2f |\n' "least time its requests need, categories at once (s)" "$limited_minimum"
printf '| %-66s | %9.2f |\n' "least time its requests need, categories one after another (s)" "$limited_sequential"
printf '| %-66s | %9.2f |\n' "wall time / least time, categories at once (aim: at most 1.15)" "$(echo "$limited_seconds / $limited_minimum" | bc -l)"
printf '| %-66s | %9d |\n' "429 responses received" "$limited_429"
