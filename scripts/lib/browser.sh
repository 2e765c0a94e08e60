# Sourced by scripts/test (after common.sh, with $dir and $port of the test cluster set): the browser end-to-end
# suite, Tests/Browser/browser_suite.py, against a real `tether serve` (with its workers) and `tether sandbox`
# (debug build).

# ensure_browser: Debian's chromium and chromium-driver, and Selenium from PyPI in .data/venv. Returns 1
# when chromium cannot be installed (the caller decides whether that may be skipped).
ensure_browser() {
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        say "installing chromium and chromium-driver"
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null 2>&1 \
            || { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
                chromium chromium-driver >/dev/null 2>&1; } || return 1
    fi
    browser_python="$ROOT/.data/venv/bin/python"
    [ -x "$browser_python" ] || python3 -m venv "$ROOT/.data/venv"
    "$browser_python" -c 'import selenium' 2>/dev/null || "$ROOT/.data/venv/bin/pip" install -q 'selenium>=4.20,<5' >&2
}

# browser_end_to_end: runs the suite; screenshots go to .data/browser-e2e. Without chromium it skips,
# loudly, except under CI, where it fails.
browser_end_to_end() {
    if ! ensure_browser; then
        [ "${CI:-}" = true ] && die "chromium could not be installed, and CI never skips the browser end-to-end suite"
        printf '\n!!! SKIPPED: the browser end-to-end suite (chromium could not be installed) !!!\n\n' >&2
        return 0
    fi
    local tether="$ROOT/.build/debug/tether" work api_port sandbox_port serve_pid sandbox_pid admin_key credentials status=0
    work="$(mktemp -d)"
    psql_super "$dir" "$port" >/dev/null <<'SQL'
DROP DATABASE IF EXISTS tether_browser WITH (FORCE);
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'browser_app') THEN CREATE ROLE browser_app LOGIN NOSUPERUSER NOBYPASSRLS; END IF;
END $$;
CREATE DATABASE tether_browser;
\c tether_browser
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO browser_app;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO browser_app;
SQL
    api_port="$(free_port 18780)"; sandbox_port="$(free_port 18790)"
    (
        export DATABASE_MIGRATION_URL="postgresql://postgres@127.0.0.1:$port/tether_browser"
        export DATABASE_URL="postgresql://browser_app@127.0.0.1:$port/tether_browser"
        export TETHER_PUBLIC_URL="http://127.0.0.1:$api_port" TETHER_LISTEN="127.0.0.1:$api_port"
        export TETHER_VAULT_KEYS="$("$tether" vault generate-key --id browser)"
        "$tether" migrate up >/dev/null 2>&1
        "$tether" sandbox --control-api --port "$sandbox_port" > "$work/sandbox.out" 2> "$work/sandbox.log" &
        sandbox_pid=$!
        for _ in $(seq 1 100); do grep -q '^Redirect URIs:' "$work/sandbox.out" 2>/dev/null && break; sleep 0.2; done
        credentials="$(sed -n 's/^  Tether (sandbox platform app): //p' "$work/sandbox.out")"
        [ -n "$credentials" ] || die "the sandbox did not start: $(cat "$work/sandbox.log")"
        export ZOOM_CLIENT_ID="${credentials%% / *}" ZOOM_CLIENT_SECRET="${credentials##* / }"
        export ZOOM_OAUTH_BASE_URL="http://127.0.0.1:$sandbox_port" ZOOM_API_BASE_URL="http://127.0.0.1:$sandbox_port/v2"
        "$tether" serve 2> "$work/serve.log" &
        serve_pid=$!
        for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$api_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
        admin_key="$("$tether" api-keys create --admin | tail -n 1)"
        rm -rf "$ROOT/.data/browser-e2e"
        "$browser_python" "$ROOT/Tests/Browser/browser_suite.py" --api "http://127.0.0.1:$api_port" --admin-key "$admin_key" \
            --sandbox "http://127.0.0.1:$sandbox_port" --sandbox-summary "$work/sandbox.out" --screenshots "$ROOT/.data/browser-e2e" \
            --chromedriver "$(command -v chromedriver)" || status=$?
        kill -TERM "$serve_pid" "$sandbox_pid" 2>/dev/null || true
        wait "$serve_pid" "$sandbox_pid" 2>/dev/null || true
        [ "$status" = 0 ] || { tail -n 20 "$work/serve.log" >&2; exit "$status"; }
    ) || { rm -rf "$work"; die "the browser end-to-end suite failed (screenshots in .data/browser-e2e)"; }
    rm -rf "$work"
}
