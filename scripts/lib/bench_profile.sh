# Sourced by scripts/bench with BENCH_ONLY=profile (not part of the full run: it takes minutes and prints no
# ratio): where the worker's instructions go in a sync of users, groups and group members of a
# BENCH_PROFILE_USERS-user (default 20,000) account, rate limits off, counted by valgrind's callgrind. It
# counts instructions, not time, so a profile is repeatable on this shared, noisy machine. Prints the total,
# then the functions with the most instructions, inclusive and self, with Swift's names demangled; the raw
# profile stays in .data/profile/callgrind.out for callgrind_annotate or kcachegrind.

profile_users="${BENCH_PROFILE_USERS:-20000}"
profile_dir="$ROOT/.data/profile"
mkdir -p "$profile_dir"

say "profile: a sync of $profile_users users under callgrind (slow: about fifty times the normal time)"
fresh_database tether_profile
start_sandbox "$profile_users" --no-rate-limits
connect_account bench
valgrind --tool=callgrind --callgrind-out-file="$profile_dir/callgrind.out" \
    "$tether" worker --concurrency 1 --no-rate-limits 2> "$work/profile-worker.log" &
profile_worker=$!
"$tether" sync --tenant bench --stream users --stream groups --stream group_members --wait > "$work/profile-sync.out" \
    || die "the profiled sync did not succeed: $(tail -n 20 "$work/profile-sync.out")"
kill -TERM "$profile_worker" "$sandbox_pid"; wait "$profile_worker" "$sandbox_pid" 2>/dev/null || true
profile_records="$(psql_super "$dir" "$port" -d tether_profile -Atq -c "SELECT sum(fetched) FROM sync_run_streams")"

echo
echo "Profile of the worker: a sync of $profile_users users ($profile_records records), callgrind, $(date -u +%Y-%m-%d)"
echo
echo '```'
callgrind_annotate --inclusive=yes --threshold=99 "$profile_dir/callgrind.out" | swift demangle --simplified | head -n 60
echo
callgrind_annotate --threshold=99 "$profile_dir/callgrind.out" | swift demangle --simplified | sed -n '/^-* *$/,$p' | head -n 45
echo '```'
