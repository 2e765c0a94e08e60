# Sourced by scripts/bench with BENCH_ONLY=profile (not part of the full run: it prints no ratio, it guides
# work): where the worker's CPU goes in a sync of users, groups and group members of a BENCH_PROFILE_USERS-user
# (default 100,000) account, rate limits off, sampled by `perf record` on the CPU clock (hardware counters
# are not available on every machine; callgrind, which would count instructions, crashes on Swift 6.3's
# binaries with valgrind 3.19). Prints the symbols with the most samples, by self time and with their
# callees, Swift's names demangled; the raw profile stays in .data/profile/perf.data for `perf report`.
# PostgreSQL's processes are sampled too, machine-wide (their backends start during the sync), into
# .data/profile/postgres.data: the functions it exports are named, its static ones are not.

profile_users="${BENCH_PROFILE_USERS:-100000}"
profile_dir="$ROOT/.data/profile"
mkdir -p "$profile_dir"
command -v perf >/dev/null || { say "installing perf"; as_root apt-get install -y -qq --no-install-recommends linux-perf >/dev/null; }

say "profile: a sync of $profile_users users, the worker sampled by perf"
fresh_database tether_profile
start_sandbox "$profile_users" --no-rate-limits
connect_account bench
perf record -q -F 997 -g -o "$profile_dir/perf.data" -- "$tether" worker --concurrency 1 --no-rate-limits 2> "$work/profile-worker.log" &
profile_worker=$!
perf record -q -a -F 499 -g -o "$profile_dir/postgres.data" -- sleep 100000 2> /dev/null &
profile_system=$!
"$tether" sync --tenant bench --stream users --stream groups --stream group_members --wait > "$work/profile-sync.out" \
    || die "the profiled sync did not succeed: $(tail -n 20 "$work/profile-sync.out")"
pkill -TERM -f "$tether worker --concurrency 1 --no-rate-limits" || true
wait "$profile_worker" 2>/dev/null || true
kill -INT "$profile_system"; wait "$profile_system" 2>/dev/null || true
kill -TERM "$sandbox_pid"; wait "$sandbox_pid" 2>/dev/null || true
profile_records="$(psql_super "$dir" "$port" -d tether_profile -Atq -c "SELECT sum(fetched) FROM sync_run_streams")"

echo
echo "Profile of the worker: a sync of $profile_users users ($profile_records records), perf on the CPU clock, $(date -u +%Y-%m-%d)"
echo
echo '```'
perf report -i "$profile_dir/perf.data" --stdio --no-children --sort dso,symbol --percent-limit 0.8 -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | swift demangle --simplified | cut -c1-160 | head -n 40
echo '```'

echo
echo "Profile of PostgreSQL during the same sync (every postgres process, perf on the CPU clock)"
echo
echo '```'
perf report -i "$profile_dir/postgres.data" --stdio --no-children --comms postgres --sort symbol --percent-limit 0.8 -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | cut -c1-160 | head -n 40
echo '```'
