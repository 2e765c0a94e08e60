# Sourced by scripts/bench: QoS ingestion (DESIGN §6.2 meeting_quality). A fresh `tether sandbox` whose
# Business account's dashboard holds BENCH_QOS_MEETINGS past meetings over the 30 days meeting_quality reads
# (default 10,000), rate limits off; `tether sync --stream meeting_quality --wait` with one worker. Figures:
# participants and QoS samples stored per second, next to `psql \copy` of the very rows the sync stored (the
# baseline), and the worker's peak memory at BENCH_QOS_SMALL_MEETINGS (default 2,000) and at the full size.

qos_meetings="${BENCH_QOS_MEETINGS:-10000}"
qos_small="${BENCH_QOS_SMALL_MEETINGS:-2000}"

qos_psql() { psql_super "$dir" "$port" -d tether_sync -v ON_ERROR_STOP=1 -Atq "$@"; }

# qos_scenario MEETINGS: one sync of meeting_quality; sets qos_seconds, qos_participants, qos_samples,
# qos_meetings_stored and qos_peak_kib.
qos_scenario() {
    local per_day=$(( ($1 + 29) / 30 )) worker_pid
    fresh_database tether_sync
    start_sandbox 20 --no-rate-limits --meetings-per-day "$per_day"
    # The dashboard is the Business account's: connect that one instead of the Pro account.
    account="$(sed -n 's/^  Sandbox Business Corp: id \([^,]*\),.*/\1/p' "$work/sandbox.out")"
    credentials="$(sed -n 's/^  Sandbox Business Corp server-to-server app: //p' "$work/sandbox.out")"
    connect_account bench
    "$tether" worker --concurrency 1 --no-rate-limits 2> "$work/worker.log" &
    worker_pid=$!
    "$tether" sync --tenant bench --stream meeting_quality --wait > "$work/sync.out" \
        || die "the QoS sync did not succeed: $(tail -n 20 "$work/sync.out")"
    qos_peak_kib="$(awk '/^VmHWM/ { print $2 }' "/proc/$worker_pid/status")"
    kill -TERM "$worker_pid" "$sandbox_pid"; wait "$worker_pid" "$sandbox_pid" 2>/dev/null || true
    qos_seconds="$(qos_psql -c "SELECT extract(epoch FROM finished_at - started_at) FROM sync_runs")"
    qos_participants="$(qos_psql -c "SELECT count(*) FROM meeting_quality")"
    qos_samples="$(qos_psql -c "SELECT sum(samples) FROM meeting_quality")"
    qos_meetings_stored="$(qos_psql -c "SELECT count(DISTINCT meeting_remote_id) FROM meeting_quality")"
}

# Seconds `psql \copy` takes to load the stored meeting_quality rows into an empty table like it.
copy_quality_rows() {
    local started ended
    qos_psql -c "DROP TABLE IF EXISTS copy_meeting_quality; CREATE TABLE copy_meeting_quality (LIKE meeting_quality INCLUDING ALL)"
    qos_psql -c "CHECKPOINT"
    started="$(date +%s.%N)"
    psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/tether_sync" -c "\\copy copy_meeting_quality FROM '$work/quality.copy'"
    ended="$(date +%s.%N)"
    echo "$ended - $started" | bc -l
}

say "QoS ingestion: $qos_small meetings (peak memory)"
qos_scenario "$qos_small"
small_peak="$qos_peak_kib"; small_meetings="$qos_meetings_stored"
say "QoS ingestion: $qos_meetings meetings"
qos_scenario "$qos_meetings"
psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$port/tether_sync" -c "\\copy (SELECT * FROM meeting_quality) TO '$work/quality.copy'"
say "psql \\copy of the same rows (baseline, two runs)"
qos_copy1="$(copy_quality_rows)"; qos_copy2="$(copy_quality_rows)"
qos_copy="$(echo "($qos_copy1 + $qos_copy2) / 2" | bc -l)"

echo
echo "QoS ingestion: meeting_quality of $qos_meetings_stored meetings ($(date -u +%Y-%m-%d), $(nproc) cores; one worker, rate limits off)"
echo
printf '| %-52s | %11s | %9s | %12s | %19s |\n' "what" "rows" "seconds" "rows/s" "ratio vs psql \\copy"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..54})" "$(printf -- '-%.0s' {1..13})" "$(printf -- '-%.0s' {1..11})" \
    "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..21})"
copy_rate="$(echo "$qos_participants / $qos_copy" | bc -l)"
sync_rate="$(echo "$qos_participants / $qos_seconds" | bc -l)"
printf '| %-52s | %11d | %9.2f | %12.0f | %19.2f |\n' "psql \\copy of the stored rows (baseline, mean of 2)" "$qos_participants" "$qos_copy" "$copy_rate" 1
printf '| %-52s | %11d | %9.2f | %12.0f | %19.2f |\n' "sync: participants (one row each)" "$qos_participants" "$qos_seconds" "$sync_rate" \
    "$(echo "$sync_rate / $copy_rate" | bc -l)"
printf '| %-52s | %11d | %9.2f | %12.0f | %19s |\n' "sync: QoS samples summarized (kept in raw)" "$qos_samples" "$qos_seconds" \
    "$(echo "$qos_samples / $qos_seconds" | bc -l)" "-"
echo
printf 'baseline runs: %.2f s and %.2f s (their spread shows the noise)\n' "$qos_copy1" "$qos_copy2"
echo
printf '| %-40s | %14s |\n' "peak memory of the worker (VmHWM)" "MiB"
printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..42})" "$(printf -- '-%.0s' {1..16})"
printf '| %-40s | %14.1f |\n' "$small_meetings meetings" "$(echo "$small_peak / 1024" | bc -l)"
printf '| %-40s | %14.1f |\n' "$qos_meetings_stored meetings" "$(echo "$qos_peak_kib / 1024" | bc -l)"
