# Sourced by scripts/bench: loading rows through the Postgres module (COPY, batched INSERT) next to
# `psql \copy` of the same rows.
psql_super "$dir" "$port" <<'SQL'
DROP DATABASE IF EXISTS tether_bench;
CREATE DATABASE tether_bench;
\c tether_bench
CREATE TABLE bench_rows (
    id bigint NOT NULL, tenant_id uuid NOT NULL, email text NOT NULL, name text NOT NULL,
    created_at timestamptz NOT NULL, payload jsonb NOT NULL
);
SQL
export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/tether_bench"
data="$work/rows.copy"
say "generating $rows rows"
"$bench" generate "$data" "$rows"
chmod 644 "$data"

reset_table() {
    psql_super "$dir" "$port" -d tether_bench -c "TRUNCATE bench_rows" >/dev/null
    psql_super "$dir" "$port" -d tether_bench -c "CHECKPOINT" >/dev/null
}
check_count() {
    local count
    count="$(psql_super "$dir" "$port" -d tether_bench -Atc "SELECT count(*) FROM bench_rows")"
    [ "$count" = "$rows" ] || die "$1 stored $count rows, expected $rows"
}
psql_copy() {
    local started ended
    started="$(date +%s.%N)"
    psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "\\copy bench_rows (id, tenant_id, email, name, created_at, payload) FROM '$data'"
    ended="$(date +%s.%N)"
    echo "$ended - $started" | bc -l
}

declare -A seconds
say "psql \\copy (baseline, first run)"
reset_table; seconds[psql1]="$(psql_copy)"; check_count "psql \\copy"
say "Postgres module COPY"
reset_table; seconds[copy]="$("$bench" copy "$rows")"; check_count "module COPY"
say "Postgres module batched INSERT (1000 rows per statement, one transaction)"
reset_table; seconds[insert]="$("$bench" insert "$rows" 1000)"; check_count "module INSERT"
say "psql \\copy (baseline, second run)"
reset_table; seconds[psql2]="$(psql_copy)"; check_count "psql \\copy"

baseline="$(echo "(${seconds[psql1]} + ${seconds[psql2]}) / 2" | bc -l)"
rate() { echo "$rows / $1" | bc -l; }
row() { printf '| %-46s | %9.2f | %12.0f | %21.2f |\n' "$1" "$2" "$(rate "$2")" "$(echo "$(rate "$2") / $(rate "$baseline")" | bc -l)"; }

echo
echo "Loading $rows rows into PostgreSQL ($(date -u +%Y-%m-%d), $(nproc) cores)"
echo
printf '| %-46s | %9s | %12s | %21s |\n' "method" "seconds" "rows/s" "ratio vs psql \\copy"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..48})" "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..14})" "$(printf -- '-%.0s' {1..23})"
row "psql \\copy (baseline, mean of 2 runs)" "$baseline"
row "Postgres module COPY FROM STDIN" "${seconds[copy]}"
row "Postgres module INSERT, 1000 rows/statement" "${seconds[insert]}"
echo
printf 'baseline runs: %.2f s and %.2f s (their spread shows the noise)\n' "${seconds[psql1]}" "${seconds[psql2]}"
