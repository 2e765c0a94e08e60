# Shared by scripts/run, scripts/test and scripts/bench. Source it; do not run it.
# Installs what Tether needs from Debian and manages local PostgreSQL clusters under .data/.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_packages: installs the system packages Tether builds and runs against, if any is missing.
ensure_packages() {
    local wanted=(postgresql postgresql-contrib pgbouncer libpq-dev libcurl4-openssl-dev libssl-dev pkgconf curl ca-certificates openssl bc)
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || die "swift is not on PATH (Swift 6.2 or later is required)"
}

# pg_bindir: the directory holding initdb, pg_ctl and postgres.
pg_bindir() {
    local dir
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    [ -x "$dir/initdb" ] || die "PostgreSQL server binaries not found (is the postgresql package installed?)"
    echo "$dir"
}

# as_pg CMD...: runs a server binary as the postgres user when we are root (PostgreSQL refuses root).
as_pg() {
    # From /, so that a work tree the postgres user cannot enter does not matter (every path is absolute).
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# cluster_dir NAME: where cluster NAME lives: .data/NAME, or, when the postgres user cannot reach the
# work tree (e.g. a clone inside a private temporary folder), a folder of its own under /var/tmp.
cluster_dir() {
    local name="$1"
    mkdir -p "$ROOT/.data"
    if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$ROOT/.data" 2>/dev/null; then
        echo "$ROOT/.data/$name"
    else
        echo "/var/tmp/tether-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)/$name"
    fi
}

# port_is_free PORT
port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port FIRST: FIRST if it is free, else the next free port above it.
free_port() {
    local port="$1"
    while ! port_is_free "$port"; do port=$((port + 1)); done
    echo "$port"
}

# start_cluster DIR PORT AUTH: creates (once) and starts a cluster listening on 127.0.0.1:PORT only.
# AUTH is "trust" (test clusters) or "scram-sha-256" (the run cluster; the superuser password is kept in
# DIR.password, readable by the owner only).
start_cluster() {
    local dir="$1" port="$2" auth="$3" bindir
    bindir="$(pg_bindir)"
    if [ ! -f "$dir/PG_VERSION" ]; then
        say "creating a PostgreSQL cluster in $dir"
        mkdir -p "$dir"
        local pwfile="$dir.password"
        if [ "$auth" != trust ] && [ ! -f "$pwfile" ]; then
            (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$pwfile")
        fi
        if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
        local initdb_args=(-D "$dir" -U postgres --auth-local=trust --auth-host="$auth" -E UTF8 --locale=C.UTF-8 --no-sync)
        if [ "$auth" != trust ]; then
            local tmp_pw; tmp_pw="$(mktemp)"; cp "$pwfile" "$tmp_pw"; chmod 644 "$tmp_pw"
            as_pg "$bindir/initdb" "${initdb_args[@]}" --pwfile="$tmp_pw" >/dev/null
            rm -f "$tmp_pw"
        else
            as_pg "$bindir/initdb" "${initdb_args[@]}" >/dev/null
        fi
    fi
    if as_pg "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        return 0
    fi
    port_is_free "$port" || die "port $port is taken; set a free one (see README)"
    say "starting PostgreSQL on 127.0.0.1:$port"
    as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=1000" start >/dev/null
}

# start_pgbouncer DIR PG_PORT PORT USER…: PgBouncer in transaction mode on 127.0.0.1:PORT in front of the
# cluster on 127.0.0.1:PG_PORT, for every database, as the USERs named (the cluster trusts loopback, and so
# does the bouncer; it still wants the names). Its files live in DIR; stop it with stop_pgbouncer DIR.
start_pgbouncer() {
    local dir="$1" pg_port="$2" port="$3"
    shift 3
    mkdir -p "$dir"
    port_is_free "$port" || die "port $port is taken for PgBouncer"
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 60
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    : > "$dir/userlist.txt"
    local user
    for user in "$@"; do printf '"%s" ""\n' "$user" >> "$dir/userlist.txt"; done
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$dir"; fi
    say "starting PgBouncer (transaction mode) on 127.0.0.1:$port"
    as_pg pgbouncer -d "$dir/pgbouncer.ini" || die "PgBouncer did not start: $(tail -n 5 "$dir/pgbouncer.log" 2>/dev/null)"
    local _
    for _ in $(seq 1 50); do port_is_free "$port" || return 0; sleep 0.1; done
    die "PgBouncer is not listening on $port: $(tail -n 5 "$dir/pgbouncer.log" 2>/dev/null)"
}

stop_pgbouncer() {
    [ -f "$1/pgbouncer.pid" ] && kill "$(cat "$1/pgbouncer.pid")" 2>/dev/null || true
}

# cluster_port DIR: the port a running cluster listens on (from its postmaster.pid).
cluster_port() {
    as_pg sed -n 4p "$1/postmaster.pid"
}

stop_cluster() {
    local dir="$1"
    [ -f "$dir/PG_VERSION" ] || return 0
    as_pg "$(pg_bindir)/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
}

# psql_super DIR PORT SQL...: runs SQL as the cluster's superuser over its Unix socket.
psql_super() {
    local dir="$1" port="$2"; shift 2
    as_pg env PGOPTIONS="--client-min-messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"
}

# build_tether [release]: builds the tether binary and prints its path.
build_tether() {
    local configuration="${1:-debug}"
    say "building tether ($configuration)"
    swift build -c "$configuration" --product tether >&2 || die "building tether failed"
    echo "$ROOT/.build/$configuration/tether"
}
